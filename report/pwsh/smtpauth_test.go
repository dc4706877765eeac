package pwsh

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/pscheck"
)

// TestSMTPAuthInUseScript reads remediation.ps1 as the admin would when a
// mailbox still sends through SMTP AUTH: its override is not removed (it is
// in no target list, the ManualSteps region says why, with the evidence),
// and the org-wide EXO-PROTO-001 change says in its confirmation prompt and
// comment that the mailbox keeps its override. Hostile account names stay
// data, and every script parses with the independent grammar.
func TestSMTPAuthInUseScript(t *testing.T) {
	tool := pscheck.Require(t)
	dir := t.TempDir()
	var paths []string
	for i, acct := range append([]string{"scanner@contoso.com"}, hostileStrings()...) {
		if strings.ContainsRune(acct, 0) {
			continue // tree-sitter rejects NUL in any literal; the lexer tests cover it
		}
		q := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		cas := `[{"Identity":"scanner","ExternalDirectoryObjectId":"s1","PrimarySmtpAddress":` + q(acct) + `,"SmtpClientAuthenticationDisabled":false},
{"Identity":"bob","ExternalDirectoryObjectId":"b1","PrimarySmtpAddress":"bob@contoso.com","SmtpClientAuthenticationDisabled":false}]`
		var sis []string
		for d := 17; d <= 20; d++ {
			sis = append(sis, fmt.Sprintf(`{"id":"x%d","createdDateTime":"2026-11-%02dT06:00:00Z","userId":"s1","userPrincipalName":%s,"clientAppUsed":"Authenticated SMTP","ipAddress":"192.0.2.10","status":{"errorCode":0}}`, d, d, q(acct)))
		}
		snap := snapshot.FromFiles(snapshot.Manifest{SchemaVersion: 1}, map[string][]byte{
			snapshot.DSExoCASMailbox: []byte(cas),
			snapshot.DSSignIns:       []byte("[" + strings.Join(sis, ",") + "]"),
		})
		doc := &checks.Document{SchemaVersion: 1, Tenant: snapshot.Tenant{ID: fixtureTenant, DisplayName: "Contoso"}, Cloud: "global",
			CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Licences: checks.Licences{Known: true, P1: true},
			Results: []checks.Result{
				{ID: checks.IDEXOProto001, Title: "SMTP AUTH is disabled for the organisation", Status: checks.StatusFail, Severity: checks.SeverityHigh},
				{ID: checks.IDEXOProto002, Title: "No mailbox re-enables SMTP AUTH for itself", Status: checks.StatusFail, Severity: checks.SeverityHigh,
					Affected: []checks.Affected{{Kind: "mailbox", ID: "s1", Name: "scanner"}, {Kind: "mailbox", ID: "b1", Name: "bob"}}},
			}}
		script := generate(t, doc, snap, Options{ToolVersion: "test"})
		if _, err := psLex(script); err != nil {
			t.Fatalf("account %d: lex: %v", i, err)
		}
		region := script[strings.Index(script, "#region EXO-PROTO-002 "):strings.Index(script, "#endregion EXO-PROTO-002")]
		if !strings.Contains(region, "'bob@contoso.com'") || strings.Contains(region, "    "+string(Lit(acct))) {
			t.Errorf("account %d: EXO-PROTO-002 targets wrong:\n%s", i, region)
		}
		want := "(" + CommentText(acct) + " keeps its per-mailbox override and can still send through SMTP AUTH)"
		if i == 0 && !strings.Contains(script, "$PSCmdlet.ShouldProcess('TransportConfig', 'Disable SMTP AUTH for the organization "+want+"')") {
			t.Errorf("the org-wide change does not say the scanner keeps its override:\n%s", script)
		}
		manual := strings.Join(strings.Fields(strings.ReplaceAll(script[strings.Index(script, "#region ManualSteps"):], "\n# ", " ")), " ")
		if ev := "sent through SMTP AUTH 4 times, last 2026-11-20: move the"; !strings.Contains(manual, ev) {
			t.Errorf("account %d: no evidence %q in the manual steps:\n%s", i, ev, manual)
		}
		p := filepath.Join(dir, fmt.Sprintf("smtp-%02d.ps1", i))
		if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	pscheck.AssertParses(t, tool, paths...)
}
