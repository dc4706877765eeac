package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
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
	return Affected{Kind: "outboundSpamPolicy", ID: phrase.FirstOf(v.Policy.Identity, v.Policy.Name), Name: v.Name(),
		Detail:   detail,
		Exchange: &ExchangeObject{Identity: phrase.FirstOf(v.Policy.Identity, v.Policy.Name)}}
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
				unclear = append(unclear, fmt.Sprintf("rule %s has State %q", phrase.FirstOf(r.Name, r.Identity), r.State))
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
	name := phrase.FirstOf(r.Name, r.Identity)
	if len(parts) == 0 {
		return "rule " + name
	}
	return fmt.Sprintf("rule %s (%s)", name, strings.Join(parts, "; "))
}

// exoVerbS is the third-person "s" for one subject.
func exoVerbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
