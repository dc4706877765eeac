package checks

import (
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Helpers shared by the incident (IR-*) checks; scope resolution is in
// incident_scope.go.

// irSecurityInfoActivities are the audit activities of security info
// registration and change.
var irSecurityInfoActivities = []string{
	"User registered security info", "User registered all required security info", "User changed default security info",
	"User updated security info", "User deleted security info", "Admin registered security info",
	"Admin updated security info", "Admin deleted security info",
}

func irReason(ev snapshot.DirectoryAudit) string {
	if ev.ResultReason != "" {
		return ": " + ev.ResultReason
	}
	return ""
}

// irSignInGroup aggregates sign-ins of one user, client and address.
type irSignInGroup struct {
	key         string
	userID, upn string
	client, ip  string
	place       string
	ok, failed  int
	first, last time.Time
	requirement string
}

// evidence returns the group as typed sign-in evidence.
func (g *irSignInGroup) evidence() *SignInEvidence {
	return &SignInEvidence{UserID: g.userID, UPN: g.upn, Client: g.client, IP: g.ip,
		MFA: strings.EqualFold(g.requirement, "multiFactorAuthentication"), Succeeded: g.ok, Failed: g.failed, First: g.first, Last: g.last}
}

func irGroupSignIns(sis []snapshot.SignIn, keep func(snapshot.SignIn) bool) []*irSignInGroup {
	groups := map[string]*irSignInGroup{}
	for _, s := range sis {
		if !keep(s) {
			continue
		}
		key := strings.ToLower(phrase.FirstOf(s.UserID, s.UserPrincipalName)) + "|" + s.ClientAppUsed + "|" + s.IPAddress
		g, ok := groups[key]
		if !ok {
			g = &irSignInGroup{key: key, userID: s.UserID, upn: phrase.FirstOf(s.UserPrincipalName, s.UserDisplayName, s.UserID),
				client: phrase.FirstOf(s.ClientAppUsed, s.AppDisplayName), ip: s.IPAddress, place: s.Place(), first: s.CreatedDateTime, last: s.CreatedDateTime,
				requirement: s.AuthenticationRequirement}
			groups[key] = g
		}
		if s.Succeeded() {
			g.ok++
		} else {
			g.failed++
		}
		if s.CreatedDateTime.Before(g.first) {
			g.first = s.CreatedDateTime
		}
		if s.CreatedDateTime.After(g.last) {
			g.last = s.CreatedDateTime
		}
	}
	out := make([]*irSignInGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func (g *irSignInGroup) where() string {
	w := phrase.FirstOf(g.ip, "an unknown address")
	if g.place != "" {
		w += " (" + g.place + ")"
	}
	return w
}

// irSpan renders a time range, or one time when both ends are equal.
func irSpan(first, last time.Time) string {
	if first.Equal(last) {
		return "at " + irTime(first)
	}
	return irTime(first) + " to " + irTime(last)
}

func irIf(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}
