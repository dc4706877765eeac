package checks

import (
	"fmt"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOFwd002 is the ID of check EXO-FWD-002.
const IDEXOFwd002 = "EXO-FWD-002"

func exoFwd002() Check {
	return Check{Meta: Meta{
		ID: IDEXOFwd002, Title: "Outbound spam policies block automatic forwarding",
		Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule},
		Rationale: "CIS requires the default and every applied custom outbound spam policy to set AutoForwardingMode to Off; Automatic is Off today only because Microsoft says so, and can change.",
		References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS,
			Other: []string{"Prowler defender_antispam_outbound_policy_forwarding_disabled", "Monkey365 exchange-mail-forwarding-blocked-and-disabled"}},
		Remediation: Remediation{
			Summary: "Set AutoForwardingMode to Off on the default policy and on every applied custom policy; keep On only in a custom policy scoped to approved users (accept it in the configuration).",
			Steps: []string{
				"Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off",
				"For each listed custom policy: Set-HostedOutboundSpamFilterPolicy -Identity '<name>' -AutoForwardingMode Off",
			},
			Script: true,
		}},
		Eval: evalEXOFwd002}
}

// evalEXOFwd002 is the literal CIS control on the policies: the default and
// every applied custom policy have AutoForwardingMode Off. Automatic is
// documented as Off today but is not Off, so it fails like On (the
// effective behaviour is EXO-FWD-001's). A custom
// policy whose rule state is unclear is judged as applied (the literal
// control must not pass on a guess).
func evalEXOFwd002(c *Context) Outcome {
	policies, err := c.OutboundSpamPolicies()
	if err != nil {
		return Unknown(err)
	}
	rules, err := c.OutboundSpamRules()
	if err != nil {
		return Unknown(err)
	}
	views := exoOutboundPolicies(policies, rules)
	var on, auto, unsure []Affected
	judged, ignored := 0, 0
	hasDefault := false
	for _, v := range views {
		hasDefault = hasDefault || v.IsDefault
		if v.Applied == exoAppliedNo {
			ignored++
			continue
		}
		judged++
		scope := "applies to " + v.Scope
		if v.Applied == exoAppliedUnclear {
			scope = "may apply: " + v.Scope
		}
		switch v.Mode {
		case exoModeOff:
		case exoModeOn:
			on = append(on, v.affected("AutoForwardingMode = On; "+scope))
		case exoModeAutomatic:
			auto = append(auto, v.affected("AutoForwardingMode = Automatic (documented as Off today); "+scope))
		default:
			unsure = append(unsure, v.affected("AutoForwardingMode "+v.ModeText()+"; "+scope))
		}
	}
	note := ""
	if ignored > 0 {
		note = fmt.Sprintf(" %s without an enabled rule %s not judged.", phrase.Plural(ignored, "custom policy", "custom policies"), phrase.Word(ignored, "was", "were"))
	}
	switch {
	case len(on) > 0:
		return exoOutcome(StatusFail, append(on, auto...), "%d of %d applied outbound spam policies allow%s automatic forwarding (AutoForwardingMode On): %s.%s",
			len(on), judged, exoVerbS(len(on)), exoNames(exoAffectedNames(on), 5), note)
	case len(unsure) > 0 || !hasDefault:
		msg := "Not conclusive:"
		if !hasDefault {
			msg += " no default outbound spam policy is in the data;"
		}
		if len(unsure) > 0 {
			msg += " AutoForwardingMode is not reported or not recognised on " + exoNames(exoAffectedNames(unsure), 5) + ";"
		}
		return exoOutcome(StatusUnknown, unsure, "%s no applied policy is set to On.%s", msg, note)
	case len(auto) > 0:
		// The literal control (docs/semantics.md: FWD-002 stays the CIS
		// control on the policies) wants Off; Automatic is not Off, even if
		// Microsoft documents it as behaving like Off today (FWD-001 judges
		// the effective behaviour).
		return exoOutcome(StatusFail, auto, "%s %s AutoForwardingMode Automatic, not Off as CIS requires (Microsoft documents Automatic as Off today, so forwarding is blocked now — see EXO-FWD-001 — but a service change could turn it on): %s.%s",
			phrase.Plural(len(auto), "applied policy", "applied policies"), phrase.Word(len(auto), "has", "have"), exoNames(exoAffectedNames(auto), 5), note)
	}
	return exoOutcome(StatusPass, nil, "%s block%s automatic forwarding (AutoForwardingMode Off).%s",
		exoCapital(exoAll(judged, "applied outbound spam policy", "applied outbound spam policies")), exoVerbS(judged), note)
}
