package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOFwd001 is the ID of check EXO-FWD-001.
const IDEXOFwd001 = "EXO-FWD-001"

func exoFwd001() Check {
	return Check{Meta: Meta{
		ID: IDEXOFwd001, Title: "Automatic forwarding to external recipients is blocked",
		Category: exoCategoryProtocols, Severity: SeverityHigh,
		Datasets:  []string{snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule, snapshot.DSExoRemoteDomain},
		Rationale: "Attackers set up forwarding in a compromised mailbox to keep reading mail after the password is reset. Exchange forwards externally only when both the applied outbound spam policy and the remote domain allow it, so this check judges the effective result.",
		References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.1.1"},
			Other: []string{"Maester CISA.MS.EXO.1.1", "Microsoft Learn: Control automatic external email forwarding"}},
		Remediation: Remediation{
			Summary: "Block automatic forwarding in the outbound spam policies (AutoForwardingMode Off) and on the remote domains (AutoForwardEnabled False); allow it only through a custom policy scoped to approved users.",
			Steps: []string{
				"Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off",
				"Set-RemoteDomain -Identity Default -AutoForwardEnabled $false",
				"For a custom policy set to On: scope its rule to the approved users only, or set it to Off.",
			},
			Script: true,
		}},
		Eval: evalEXOFwd001}
}

// evalEXOFwd001 applies the effective rule of docs/semantics.md: external
// automatic forwarding happens only when an applied outbound spam policy
// allows it (AutoForwardingMode On; Automatic counts as Off) AND a remote
// domain allows it (AutoForwardEnabled True): the most restrictive setting
// wins. Anything that cannot be told (unreported values, a rule in an
// unclear state, no default policy) makes the answer unknown unless the
// other side already blocks.
func evalEXOFwd001(c *Context) Outcome {
	e, err := exoExternalForwarding(c)
	if err != nil {
		return Unknown(err)
	}
	allow, polUnsure, blocking, notApplied := e.allow, e.polUnsure, e.blocking, e.notApplied
	rdAllow, rdUnsure, domains := e.rdAllow, e.rdUnsure, e.domains

	rdNames := func() string {
		n := make([]string, 0, len(rdAllow))
		for _, d := range rdAllow {
			n = append(n, exoRemoteDomainLabel(d))
		}
		return exoNames(n, 5)
	}
	tail := ""
	if len(notApplied) > 0 {
		tail = fmt.Sprintf(" Not counted because no enabled rule applies %s: custom %s %s set to On.",
			phrase.Word(len(notApplied), "it", "them"), phrase.Word(len(notApplied), "policy", "policies"), exoNames(notApplied, 5))
	}

	if len(allow) > 0 && len(rdAllow) > 0 {
		var aff []Affected
		var pn []string
		for _, v := range allow {
			aff = append(aff, v.affected("AutoForwardingMode = On; applies to "+v.Scope))
			pn = append(pn, v.Name())
		}
		for _, d := range rdAllow {
			aff = append(aff, exoRemoteDomainAffected(d, fmt.Sprintf("AutoForwardEnabled = True (domain %s)", phrase.FirstOf(d.DomainName, "?"))))
		}
		return exoOutcome(StatusFail, aff, "Mail can be forwarded automatically to external recipients: outbound spam %s %s allow%s it (AutoForwardingMode On) and remote %s %s allow%s it (AutoForwardEnabled True).%s",
			phrase.Word(len(allow), "policy", "policies"), exoNames(pn, 5), exoVerbS(len(allow)),
			phrase.Word(len(rdAllow), "domain", "domains"), rdNames(), exoVerbS(len(rdAllow)), tail)
	}
	policyMayAllow, rdMayAllow := e.policyMayAllow(), e.rdMayAllow()
	if policyMayAllow && rdMayAllow {
		var unsure []string
		for _, v := range allow {
			unsure = append(unsure, "policy "+v.Name()+" allows forwarding (On)")
		}
		for _, d := range rdAllow {
			unsure = append(unsure, "remote domain "+exoRemoteDomainLabel(d)+" allows forwarding")
		}
		unsure = append(append(unsure, polUnsure...), rdUnsure...)
		return exoOutcome(StatusUnknown, nil, "Not conclusive: whether external auto-forwarding is blocked cannot be told from the data: %s.", strings.Join(unsure, "; "))
	}
	if !policyMayAllow {
		if len(rdAllow) > 0 {
			return exoOutcome(StatusPass, nil, "Remote %s %s allow%s auto-forwarding, but every applied outbound spam policy blocks it (%s), so no mail is forwarded automatically to external recipients.%s",
				phrase.Word(len(rdAllow), "domain", "domains"), rdNames(), exoVerbS(len(rdAllow)), strings.Join(blocking, "; "), tail)
		}
		return exoOutcome(StatusPass, nil, "External auto-forwarding is blocked twice: every applied outbound spam policy blocks it (%s) and no remote domain allows it (%s).%s",
			strings.Join(blocking, "; "), phrase.Plural(len(domains), "remote domain", "remote domains"), tail)
	}
	var pn []string
	for _, v := range allow {
		pn = append(pn, v.Name())
	}
	return exoOutcome(StatusPass, nil, "Outbound spam %s %s allow%s automatic forwarding (On), but every remote domain blocks it (AutoForwardEnabled False on all %d), so no mail is forwarded automatically to external recipients. EXO-FWD-002 reports the policy setting.%s",
		phrase.Word(len(allow), "policy", "policies"), exoNames(pn, 5), exoVerbS(len(allow)), len(domains), tail)
}

// exoForwarding is what the outbound spam policies and the remote domains
// say about external automatic forwarding, the effective rule of
// docs/semantics.md (EXO-FWD-001): it happens only when an applied policy
// allows it (AutoForwardingMode On; Automatic counts as Off) AND a remote
// domain allows it (AutoForwardEnabled True).
type exoForwarding struct {
	allow                           []exoPolicyView
	polUnsure, blocking, notApplied []string
	rdAllow                         []snapshot.RemoteDomain
	rdUnsure                        []string
	domains                         []snapshot.RemoteDomain
}

func exoExternalForwarding(c *Context) (exoForwarding, error) {
	var e exoForwarding
	policies, err := c.OutboundSpamPolicies()
	if err != nil {
		return e, err
	}
	rules, err := c.OutboundSpamRules()
	if err != nil {
		return e, err
	}
	domains, err := c.RemoteDomains()
	if err != nil {
		return e, err
	}
	e.domains = domains
	hasDefault := false
	for _, v := range exoOutboundPolicies(policies, rules) {
		hasDefault = hasDefault || v.IsDefault
		switch {
		case v.Applied == exoAppliedNo:
			if v.Mode == exoModeOn {
				e.notApplied = append(e.notApplied, v.Name())
			}
		case v.Mode == exoModeOn && v.Applied == exoAppliedYes:
			e.allow = append(e.allow, v)
		case v.Mode == exoModeOn || v.Mode == exoModeUnknown:
			e.polUnsure = append(e.polUnsure, fmt.Sprintf("policy %s (AutoForwardingMode %s; %s)", v.Name(), v.ModeText(), v.Scope))
		case v.Mode == exoModeAutomatic:
			e.blocking = append(e.blocking, v.Name()+": Automatic = Off")
		default:
			e.blocking = append(e.blocking, v.Name()+": Off")
		}
	}
	if !hasDefault {
		e.polUnsure = append(e.polUnsure, "no default outbound spam policy in the data")
	}
	for _, d := range domains {
		switch {
		case d.AutoForwardEnabled.True():
			e.rdAllow = append(e.rdAllow, d)
		case !d.AutoForwardEnabled.Valid:
			e.rdUnsure = append(e.rdUnsure, "remote domain "+exoRemoteDomainLabel(d)+" (AutoForwardEnabled not reported)")
		}
	}
	if len(domains) == 0 {
		e.rdUnsure = append(e.rdUnsure, "no remote domains in the data (the Default remote domain always exists)")
	}
	return e, nil
}

// policyMayAllow: some applied outbound spam policy allows external
// forwarding, or cannot be shown not to.
func (e exoForwarding) policyMayAllow() bool { return len(e.allow) > 0 || len(e.polUnsure) > 0 }

// rdMayAllow: some remote domain allows it, or cannot be shown not to.
func (e exoForwarding) rdMayAllow() bool { return len(e.rdAllow) > 0 || len(e.rdUnsure) > 0 }

// blockedBy says what blocks external automatic forwarding tenant-wide
// today, "" when nothing is shown to block it.
func (e exoForwarding) blockedBy() string {
	switch {
	case !e.policyMayAllow():
		return "every applied outbound spam policy blocks it (" + strings.Join(e.blocking, "; ") + ")"
	case !e.rdMayAllow():
		return fmt.Sprintf("every remote domain blocks it (AutoForwardEnabled False on all %d)", len(e.domains))
	}
	return ""
}

// exoRemoteDomainAffected describes a remote domain as a finding.
func exoRemoteDomainAffected(d snapshot.RemoteDomain, detail string) Affected {
	return Affected{Kind: "remoteDomain", ID: phrase.FirstOf(d.Identity, d.Name, d.DomainName),
		Name: exoRemoteDomainName(d), Detail: detail,
		Exchange: &ExchangeObject{Identity: phrase.FirstOf(d.Identity, d.Name)}}
}

func exoRemoteDomainName(d snapshot.RemoteDomain) string {
	return phrase.FirstOf(d.Name, d.Identity, d.DomainName, "(unnamed remote domain)")
}

// exoRemoteDomainLabel renders "Default (*)" for summaries.
func exoRemoteDomainLabel(d snapshot.RemoteDomain) string {
	n := exoRemoteDomainName(d)
	if d.DomainName != "" && d.DomainName != n {
		return fmt.Sprintf("%s (%s)", n, d.DomainName)
	}
	return n
}
