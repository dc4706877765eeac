package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// exoApplied says whether an outbound spam policy applies to anyone.
type exoApplied int

const (
	exoAppliedNo exoApplied = iota
	exoAppliedYes
	// exoAppliedUnclear: a rule names the policy but its State is neither
	// Enabled nor Disabled, so whether it applies cannot be told.
	exoAppliedUnclear
)

// exoForwardMode is a normalised AutoForwardingMode.
type exoForwardMode string

const (
	exoModeOn        exoForwardMode = "On"
	exoModeOff       exoForwardMode = "Off"
	exoModeAutomatic exoForwardMode = "Automatic" // documented by Microsoft as Off today
	exoModeUnknown   exoForwardMode = ""
)

func exoParseForwardMode(s string) exoForwardMode {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on":
		return exoModeOn
	case "off":
		return exoModeOff
	case "automatic":
		return exoModeAutomatic
	}
	return exoModeUnknown
}

// exoPolicyView is an outbound spam policy with what applies it.
type exoPolicyView struct {
	Policy    snapshot.OutboundSpamPolicy
	IsDefault bool
	Applied   exoApplied
	Mode      exoForwardMode
	// Scope says to whom the policy applies (for details).
	Scope string
}

// Name is the policy's display name.
func (v exoPolicyView) Name() string { return exoPolicyName(v.Policy) }

// ModeText renders AutoForwardingMode as found.
func (v exoPolicyView) ModeText() string {
	if v.Mode == exoModeUnknown {
		if s := strings.TrimSpace(v.Policy.AutoForwardingMode); s != "" {
			return fmt.Sprintf("%q (unrecognised)", s)
		}
		return "not reported"
	}
	return string(v.Mode)
}

// affected describes the policy as a finding.
func (v exoPolicyView) affected(detail string) Affected {
	return Affected{Kind: "outboundSpamPolicy", ID: exoFirst(v.Policy.Identity, v.Policy.Name), Name: v.Name(),
		Detail: detail, Extra: map[string]string{"identity": exoFirst(v.Policy.Identity, v.Policy.Name)}}
}

// exoOutboundPolicies joins policies with their rules. The default policy
// always applies (to everyone no custom policy covers); a custom policy
// applies only through an enabled HostedOutboundSpamFilterRule that names
// it (by Name or Identity).
func exoOutboundPolicies(policies []snapshot.OutboundSpamPolicy, rules []snapshot.OutboundSpamRule) []exoPolicyView {
	out := make([]exoPolicyView, 0, len(policies))
	for _, p := range policies {
		v := exoPolicyView{Policy: p, IsDefault: exoIsDefaultPolicy(p), Mode: exoParseForwardMode(p.AutoForwardingMode)}
		if v.IsDefault {
			v.Applied, v.Scope = exoAppliedYes, "everyone not covered by a custom policy"
			out = append(out, v)
			continue
		}
		var scopes, unclear []string
		disabled := 0
		for _, r := range rules {
			ref := strings.TrimSpace(r.HostedOutboundSpamFilterPolicy)
			if ref == "" || !(strings.EqualFold(ref, p.Name) || strings.EqualFold(ref, p.Identity)) {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(r.State)) {
			case "enabled":
				scopes = append(scopes, exoRuleScope(r))
			case "disabled":
				disabled++
			default:
				unclear = append(unclear, fmt.Sprintf("rule %s has State %q", exoFirst(r.Name, r.Identity), r.State))
			}
		}
		switch {
		case len(scopes) > 0:
			v.Applied, v.Scope = exoAppliedYes, strings.Join(scopes, "; ")
		case len(unclear) > 0:
			v.Applied, v.Scope = exoAppliedUnclear, strings.Join(unclear, "; ")
		case disabled > 0:
			v.Scope = "its rule is disabled"
		default:
			v.Scope = "no rule applies it"
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].IsDefault != out[j].IsDefault {
			return out[i].IsDefault
		}
		return out[i].Name() < out[j].Name()
	})
	return out
}

// exoRuleScope renders who an outbound spam rule covers.
func exoRuleScope(r snapshot.OutboundSpamRule) string {
	var parts []string
	if len(r.From) > 0 {
		parts = append(parts, "senders "+strings.Join(r.From, ", "))
	}
	if len(r.FromMemberOf) > 0 {
		parts = append(parts, "members of "+strings.Join(r.FromMemberOf, ", "))
	}
	if len(r.SenderDomainIs) > 0 {
		parts = append(parts, "sender domains "+strings.Join(r.SenderDomainIs, ", "))
	}
	name := exoFirst(r.Name, r.Identity)
	if len(parts) == 0 {
		return "rule " + name
	}
	return fmt.Sprintf("rule %s (%s)", name, strings.Join(parts, "; "))
}

// exoRemoteDomainAffected describes a remote domain as a finding.
func exoRemoteDomainAffected(d snapshot.RemoteDomain, detail string) Affected {
	return Affected{Kind: "remoteDomain", ID: exoFirst(d.Identity, d.Name, d.DomainName),
		Name: exoRemoteDomainName(d), Detail: detail, Extra: map[string]string{"identity": exoFirst(d.Identity, d.Name)}}
}

func exoRemoteDomainName(d snapshot.RemoteDomain) string {
	return exoFirst(d.Name, d.Identity, d.DomainName, "(unnamed remote domain)")
}

// exoRemoteDomainLabel renders "Default (*)" for summaries.
func exoRemoteDomainLabel(d snapshot.RemoteDomain) string {
	n := exoRemoteDomainName(d)
	if d.DomainName != "" && d.DomainName != n {
		return fmt.Sprintf("%s (%s)", n, d.DomainName)
	}
	return n
}

// evalEXOFwd001 applies the effective rule of check-semantics.md: external
// automatic forwarding happens only when an applied outbound spam policy
// allows it (AutoForwardingMode On; Automatic counts as Off) AND a remote
// domain allows it (AutoForwardEnabled True): the most restrictive setting
// wins. Anything that cannot be told (unreported values, a rule in an
// unclear state, no default policy) makes the answer unknown unless the
// other side already blocks.
func evalEXOFwd001(c *Context) Outcome {
	policies, err := c.Snap.OutboundSpamPolicies()
	if err != nil {
		return Unknown(err)
	}
	rules, err := c.Snap.OutboundSpamRules()
	if err != nil {
		return Unknown(err)
	}
	domains, err := c.Snap.RemoteDomains()
	if err != nil {
		return Unknown(err)
	}
	views := exoOutboundPolicies(policies, rules)

	var allow []exoPolicyView
	var polUnsure, blocking, notApplied []string
	hasDefault := false
	for _, v := range views {
		hasDefault = hasDefault || v.IsDefault
		switch {
		case v.Applied == exoAppliedNo:
			if v.Mode == exoModeOn {
				notApplied = append(notApplied, v.Name())
			}
		case v.Mode == exoModeOn && v.Applied == exoAppliedYes:
			allow = append(allow, v)
		case v.Mode == exoModeOn || v.Mode == exoModeUnknown:
			polUnsure = append(polUnsure, fmt.Sprintf("policy %s (AutoForwardingMode %s; %s)", v.Name(), v.ModeText(), v.Scope))
		case v.Mode == exoModeAutomatic:
			blocking = append(blocking, v.Name()+": Automatic = Off")
		default:
			blocking = append(blocking, v.Name()+": Off")
		}
	}
	if !hasDefault {
		polUnsure = append(polUnsure, "no default outbound spam policy in the data")
	}

	var rdAllow []snapshot.RemoteDomain
	var rdUnsure []string
	for _, d := range domains {
		switch {
		case d.AutoForwardEnabled.True():
			rdAllow = append(rdAllow, d)
		case !d.AutoForwardEnabled.Valid:
			rdUnsure = append(rdUnsure, "remote domain "+exoRemoteDomainLabel(d)+" (AutoForwardEnabled not reported)")
		}
	}
	if len(domains) == 0 {
		rdUnsure = append(rdUnsure, "no remote domains in the data (the Default remote domain always exists)")
	}

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
			exoPluralWord(len(notApplied), "it", "them"), exoPluralWord(len(notApplied), "policy", "policies"), exoNames(notApplied, 5))
	}

	if len(allow) > 0 && len(rdAllow) > 0 {
		var aff []Affected
		var pn []string
		for _, v := range allow {
			aff = append(aff, v.affected("AutoForwardingMode = On; applies to "+v.Scope))
			pn = append(pn, v.Name())
		}
		for _, d := range rdAllow {
			aff = append(aff, exoRemoteDomainAffected(d, fmt.Sprintf("AutoForwardEnabled = True (domain %s)", exoFirst(d.DomainName, "?"))))
		}
		return exoOutcome(StatusFail, aff, "Mail can be forwarded automatically to external recipients: outbound spam %s %s allow%s it (AutoForwardingMode On) and remote %s %s allow%s it (AutoForwardEnabled True).%s",
			exoPluralWord(len(allow), "policy", "policies"), exoNames(pn, 5), exoVerbS(len(allow)),
			exoPluralWord(len(rdAllow), "domain", "domains"), rdNames(), exoVerbS(len(rdAllow)), tail)
	}
	policyMayAllow := len(allow) > 0 || len(polUnsure) > 0
	rdMayAllow := len(rdAllow) > 0 || len(rdUnsure) > 0
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
				exoPluralWord(len(rdAllow), "domain", "domains"), rdNames(), exoVerbS(len(rdAllow)), strings.Join(blocking, "; "), tail)
		}
		return exoOutcome(StatusPass, nil, "External auto-forwarding is blocked twice: every applied outbound spam policy blocks it (%s) and no remote domain allows it (%s).%s",
			strings.Join(blocking, "; "), exoPlural(len(domains), "remote domain", "remote domains"), tail)
	}
	var pn []string
	for _, v := range allow {
		pn = append(pn, v.Name())
	}
	return exoOutcome(StatusPass, nil, "Outbound spam %s %s allow%s automatic forwarding (On), but every remote domain blocks it (AutoForwardEnabled False on all %d), so no mail is forwarded automatically to external recipients. EXO-FWD-002 reports the policy setting.%s",
		exoPluralWord(len(allow), "policy", "policies"), exoNames(pn, 5), exoVerbS(len(allow)), len(domains), tail)
}

// exoPluralWord picks the singular or plural word.
func exoPluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// exoVerbS is the third-person "s" for one subject.
func exoVerbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// evalEXOFwd002 is the literal CIS control on the policies: the default and
// every applied custom policy have AutoForwardingMode Off. Automatic is
// documented as Off today but is not Off, so it fails like On (the
// effective behaviour is EXO-FWD-001's). A custom
// policy whose rule state is unclear is judged as applied (the literal
// control must not pass on a guess).
func evalEXOFwd002(c *Context) Outcome {
	policies, err := c.Snap.OutboundSpamPolicies()
	if err != nil {
		return Unknown(err)
	}
	rules, err := c.Snap.OutboundSpamRules()
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
		note = fmt.Sprintf(" %s without an enabled rule %s not judged.", exoPlural(ignored, "custom policy", "custom policies"), exoPluralWord(ignored, "was", "were"))
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
		// The literal control (check-semantics.md: FWD-002 stays the CIS
		// control on the policies) wants Off; Automatic is not Off, even if
		// Microsoft documents it as behaving like Off today (FWD-001 judges
		// the effective behaviour).
		return exoOutcome(StatusFail, auto, "%s %s AutoForwardingMode Automatic, not Off as CIS requires (Microsoft documents Automatic as Off today, so forwarding is blocked now — see EXO-FWD-001 — but a service change could turn it on): %s.%s",
			exoPlural(len(auto), "applied policy", "applied policies"), exoPluralWord(len(auto), "has", "have"), exoNames(exoAffectedNames(auto), 5), note)
	}
	return exoOutcome(StatusPass, nil, "%s block%s automatic forwarding (AutoForwardingMode Off).%s",
		exoCapital(exoAll(judged, "applied outbound spam policy", "applied outbound spam policies")), exoVerbS(judged), note)
}

// exoRuleRecipients lists the transport-rule actions that send a message
// (or a copy) to someone else, with their recipients.
func exoRuleRecipients(r snapshot.TransportRule) []struct {
	Field string
	To    snapshot.StringList
} {
	return []struct {
		Field string
		To    snapshot.StringList
	}{
		{"RedirectMessageTo", r.RedirectMessageTo},
		{"BlindCopyTo", r.BlindCopyTo},
		{"AddToRecipients", r.AddToRecipients},
		{"CopyTo", r.CopyTo},
	}
}

// exoAddressDomain returns the lower-case domain of an address as
// transport rules render it ("a@b.com", "smtp:a@b.com", "Name <a@b.com>");
// ok is false when the value is not an SMTP address (a recipient name).
func exoAddressDomain(v string) (string, bool) {
	s := strings.TrimSpace(v)
	if i := strings.LastIndex(s, "<"); i >= 0 {
		if j := strings.Index(s[i:], ">"); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	if len(s) > 5 && strings.EqualFold(s[:5], "smtp:") {
		s = s[5:]
	}
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s[at+1:])), ".")
	if d == "" || strings.ContainsAny(d, " \t") {
		return "", false
	}
	return d, true
}

// evalEXOFwd003: no enabled transport rule redirects or copies mail to an
// address outside the tenant's domains. Accepted domains are not collected;
// the verified domains from Graph stand in for them (exact match only: a
// subdomain that is not verified counts as external). A rule whose State is
// neither Enabled nor Disabled is judged as enabled; one in test mode still
// fails (its detail names the mode) because enabling it is one click. A
// recipient written as a name rather than an address cannot be classified
// and makes the answer manual.
func evalEXOFwd003(c *Context) Outcome {
	doms, err := c.Snap.Domains()
	if err != nil {
		return Unknown(err)
	}
	rules, err := c.Snap.TransportRules()
	if err != nil {
		return Unknown(err)
	}
	tenant := map[string]bool{}
	for _, d := range doms {
		if d.IsVerified && d.ID != "" {
			tenant[strings.ToLower(d.ID)] = true
		}
	}
	if len(tenant) == 0 {
		return exoOutcome(StatusUnknown, nil, "Not evaluated: the domains dataset lists no verified domain, so external recipients cannot be told from internal ones.")
	}
	var bad, unclear []Affected
	var disabledExternal []string
	for _, r := range rules {
		enabled := !strings.EqualFold(strings.TrimSpace(r.State), "disabled")
		var ext, names []string
		for _, act := range exoRuleRecipients(r) {
			f := act.Field
			var fe, fn []string
			for _, v := range act.To {
				d, ok := exoAddressDomain(v)
				switch {
				case !ok:
					fn = append(fn, v)
				case !tenant[d]:
					fe = append(fe, v)
				}
			}
			if len(fe) > 0 {
				ext = append(ext, f+": "+strings.Join(fe, ", "))
			}
			if len(fn) > 0 {
				names = append(names, f+": "+strings.Join(fn, ", "))
			}
		}
		if len(ext) == 0 && len(names) == 0 {
			continue
		}
		name := exoFirst(r.Name, r.Identity, "(unnamed rule)")
		if !enabled {
			if len(ext) > 0 {
				disabledExternal = append(disabledExternal, name)
			}
			continue
		}
		extra := ""
		if st := strings.TrimSpace(r.State); !strings.EqualFold(st, "enabled") {
			extra += fmt.Sprintf("; state %q", st)
		}
		if m := strings.TrimSpace(r.Mode); m != "" && !strings.EqualFold(m, "enforce") {
			extra += fmt.Sprintf("; mode %s (test mode: not acting yet)", m)
		}
		if r.WhenChanged != "" {
			extra += "; last changed " + r.WhenChanged
		}
		a := Affected{Kind: "transportRule", ID: exoFirst(r.Identity, r.Name), Name: name,
			Extra: map[string]string{"identity": exoFirst(r.Identity, r.Name)}}
		if len(ext) > 0 {
			a.Detail = "external recipients: " + strings.Join(ext, "; ") + extra
			bad = append(bad, a)
		} else {
			a.Detail = "recipients that are not SMTP addresses (could be mail contacts outside the tenant): " + strings.Join(names, "; ") + extra
			unclear = append(unclear, a)
		}
	}
	note := ""
	if len(disabledExternal) > 0 {
		note = fmt.Sprintf(" %s also send%s to external addresses (review or remove): %s.",
			exoPlural(len(disabledExternal), "disabled rule", "disabled rules"), exoVerbS(len(disabledExternal)), exoNames(disabledExternal, 5))
	}
	switch {
	case len(bad) > 0:
		return exoOutcome(StatusFail, append(bad, unclear...), "%s %s mail to addresses outside the tenant's verified domains: %s.%s",
			exoPlural(len(bad), "enabled transport rule", "enabled transport rules"), exoPluralWord(len(bad), "redirects or copies", "redirect or copy"),
			exoNames(exoAffectedNames(bad), 5), note)
	case len(unclear) > 0:
		return exoOutcome(StatusManual, unclear, "%s send%s mail to recipients given by name, not address; confirm they are inside the tenant: %s.%s",
			exoPlural(len(unclear), "enabled transport rule", "enabled transport rules"), exoVerbS(len(unclear)), exoNames(exoAffectedNames(unclear), 5), note)
	}
	return exoOutcome(StatusPass, nil, "No enabled transport rule redirects or copies mail outside the tenant's %s (%s checked).%s",
		exoPlural(len(tenant), "verified domain", "verified domains"), exoPlural(len(rules), "rule", "rules"), note)
}
