package pwsh

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// allScopes is every Graph permission a generated script may request.
func allScopes() []string {
	out := []string{scopeUserRead, scopeEnableDisable, scopePasswordProfile, scopeRevokeSessions,
		scopeUserAuthMethods, scopeMailboxSettings, scopeDeleteUser, scopeDelegatedGrant}
	for _, s := range fixSpecs() {
		out = append(out, s.scopes...)
	}
	out = append(out, securityDefaultsFix().scopes...)
	return out
}

// TestReadScopesCoverEveryRequestedPermission: every permission a script
// may request has a read counterpart in readScopes (or reads already), and
// what a -WhatIf run asks for only reads.
func TestReadScopesCoverEveryRequestedPermission(t *testing.T) {
	for _, s := range allScopes() {
		if _, ok := readScopes[s]; !ok && !isReadScope(s) {
			t.Errorf("%s writes and has no read counterpart in readScopes", s)
		}
	}
	for _, r := range ReadScopes(allScopes()) {
		if !isReadScope(r) {
			t.Errorf("a -WhatIf run would request %s", r)
		}
	}
	if got := ReadScopes([]string{"Policy.ReadWrite.ConditionalAccess", "Policy.Read.All", "User.RevokeSessions.All"}); !slices.Equal(got, []string{"Policy.Read.All", "User.Read.All"}) {
		t.Errorf("ReadScopes = %v", got)
	}
}

var (
	whatIfGraphRE = regexp.MustCompile(`(?m)^if \(\$WhatIfPreference\) \{\n\s+\$RequiredGraphScopes = @\(([^)]*)\)\n\}\nConnect-MgGraph `)
	whatIfExoRE   = regexp.MustCompile(`(?m)^if \(\$WhatIfPreference\) \{\n\s+Connect-ExchangeOnline [^\n]*-CommandName @\(([^)]*)\)\n\} else \{\n\s+Connect-ExchangeOnline `)
	getCmdletRE   = regexp.MustCompile(`\bGet-[A-Z][A-Za-z]+\b`)
)

// TestWhatIfConnectsReadOnly: with -WhatIf, remediation.ps1 and the
// containment script connect to Microsoft Graph with read permissions only
// and load only Exchange cmdlets that read; every Exchange cmdlet the
// scripts read with is among those loaded.
func TestWhatIfConnectsReadOnly(t *testing.T) {
	doc, snap := contosoIncident(t)
	var rem, inc bytes.Buffer
	if err := writeRemediationDoc(t.Context(), &rem, doc, snap, Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := writeContainmentDoc(t.Context(), &inc, doc, snap, doc.Incident.Users[0], Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	// Cmdlets of PowerShell itself, of the Graph module and of the scripts'
	// own helpers: not Exchange.
	notExchange := map[string]bool{"Get-Date": true, "Get-Random": true, "Get-Location": true, "Get-Content": true,
		"Get-Item": true, "Get-ChildItem": true, "Get-Command": true, "Get-Module": true, "Get-Variable": true,
		"Get-ConnectionInformation": true, "Get-Member": true, "Get-Credential": true}
	// The Contoso containment script reads and changes the hidden rule and
	// the restricted sender through Exchange: the read cmdlets must be
	// loaded under -WhatIf (checked below), the write ones never are.
	for _, c := range []string{"Get-InboxRule -Mailbox", "Remove-InboxRule -Mailbox", "Get-BlockedSenderAddress -SenderAddress", "Remove-BlockedSenderAddress -SenderAddress"} {
		if !strings.Contains(inc.String(), c) {
			t.Errorf("incident.ps1 does not use %s: the test proves nothing about it", strings.Fields(c)[0])
		}
	}
	for name, script := range map[string]string{"remediation.ps1": rem.String(), "incident.ps1": inc.String()} {
		m := whatIfGraphRE.FindStringSubmatch(script)
		if m == nil {
			t.Errorf("%s: no -WhatIf Graph scopes before Connect-MgGraph", name)
		} else {
			for _, sc := range strings.Split(m[1], ",") {
				if sc = strings.Trim(strings.TrimSpace(sc), "'"); !isReadScope(sc) {
					t.Errorf("%s: -WhatIf requests %s", name, sc)
				}
			}
		}
		x := whatIfExoRE.FindStringSubmatch(script)
		if x == nil {
			t.Errorf("%s: no read-only Exchange connection for -WhatIf", name)
			continue
		}
		loaded := map[string]bool{}
		for _, c := range strings.Split(x[1], ",") {
			c = strings.Trim(strings.TrimSpace(c), "'")
			if !strings.HasPrefix(c, "Get-") {
				t.Errorf("%s: -WhatIf loads %s", name, c)
			}
			loaded[c] = true
		}
		for _, c := range getCmdletRE.FindAllString(script, -1) {
			if strings.HasPrefix(c, "Get-Mg") || notExchange[c] || strings.Contains(script, "function "+c+" ") || loaded[c] {
				continue
			}
			t.Errorf("%s reads with %s, which a -WhatIf run does not load", name, c)
		}
	}
}
