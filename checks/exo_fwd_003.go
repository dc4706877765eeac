package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOFwd003 is the ID of check EXO-FWD-003.
const IDEXOFwd003 = "EXO-FWD-003"

func exoFwd003() Check {
	return Check{Meta: Meta{
		ID: IDEXOFwd003, Title: "No transport rule redirects or copies mail to external recipients",
		Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoTransportRule, snapshot.DSDomains},
		Rationale: "A transport rule that redirects or blind-copies mail outside the tenant exfiltrates every matching message and survives password resets. Accepted domains are not collected, so the tenant's verified domains (Graph) decide what is internal; an address in any other domain counts as external.",
		References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS,
			Other: []string{"Prowler exchange_transport_rules_mail_forwarding_disabled"}},
		Remediation: Remediation{
			Summary: "Disable each listed rule at once, confirm with its owner whether it is legitimate, then remove it.",
			Steps: []string{
				"Disable-TransportRule -Identity '<name>'",
				"Remove-TransportRule -Identity '<name>' -Confirm:$false (once confirmed unwanted)",
			},
		}},
		Eval: evalEXOFwd003}
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
	doms, err := c.Domains()
	if err != nil {
		return Unknown(err)
	}
	rules, err := c.TransportRules()
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
		name := phrase.FirstOf(r.Name, r.Identity, "(unnamed rule)")
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
		a := Affected{Kind: "transportRule", ID: phrase.FirstOf(r.Identity, r.Name), Name: name,
			Exchange: &ExchangeObject{Identity: phrase.FirstOf(r.Identity, r.Name)}}
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
			phrase.Plural(len(disabledExternal), "disabled rule", "disabled rules"), exoVerbS(len(disabledExternal)), exoNames(disabledExternal, 5))
	}
	switch {
	case len(bad) > 0:
		return exoOutcome(StatusFail, append(bad, unclear...), "%s %s mail to addresses outside the tenant's verified domains: %s.%s",
			phrase.Plural(len(bad), "enabled transport rule", "enabled transport rules"), phrase.Word(len(bad), "redirects or copies", "redirect or copy"),
			exoNames(exoAffectedNames(bad), 5), note)
	case len(unclear) > 0:
		return exoOutcome(StatusManual, unclear, "%s send%s mail to recipients given by name, not address; confirm they are inside the tenant: %s.%s",
			phrase.Plural(len(unclear), "enabled transport rule", "enabled transport rules"), exoVerbS(len(unclear)), exoNames(exoAffectedNames(unclear), 5), note)
	}
	return exoOutcome(StatusPass, nil, "No enabled transport rule redirects or copies mail outside the tenant's %s (%s checked).%s",
		phrase.Plural(len(tenant), "verified domain", "verified domains"), phrase.Plural(len(rules), "rule", "rules"), note)
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
