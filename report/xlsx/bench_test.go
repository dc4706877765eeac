package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// bigTenant generates n users (every 20th a guest), n mailboxes with CAS
// rows, and a document with one failing check naming every mailbox.
func bigTenant(tb testing.TB, n int) (*checks.Document, *snapshot.Snapshot) {
	tb.Helper()
	var users, regs, cas, mbx bytes.Buffer
	users.WriteString("[")
	regs.WriteString("[")
	cas.WriteString("[")
	mbx.WriteString("[")
	aff := make([]checks.Affected, 0, n)
	for i := 0; i < n; i++ {
		sep := ","
		if i == 0 {
			sep = ""
		}
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		typ := "Member"
		if i%20 == 0 {
			typ = "Guest"
			upn = fmt.Sprintf("guest%06d_fabrikam.com#EXT#@contoso.onmicrosoft.com", i)
		}
		fmt.Fprintf(&users, `%s{"id":%q,"displayName":"User %d 山田","userPrincipalName":%q,"userType":%q,"accountEnabled":true,`+
			`"createdDateTime":"2024-01-01T00:00:00Z","assignedLicenses":[{"skuId":"sku-e3"}],`+
			`"signInActivity":{"lastSignInDateTime":"2026-11-01T00:00:00Z"},"creationType":"Invitation","externalUserState":"Accepted"}`,
			sep, id, i, upn, typ)
		fmt.Fprintf(&regs, `%s{"id":%q,"isMfaRegistered":%t,"isMfaCapable":%t,"methodsRegistered":["microsoftAuthenticatorPush"]}`,
			sep, id, i%3 != 0, i%3 != 0)
		fmt.Fprintf(&cas, `%s{"Identity":"u%d","PrimarySmtpAddress":"user%06d@contoso.com","ExternalDirectoryObjectId":%q,`+
			`"PopEnabled":true,"ImapEnabled":false,"ActiveSyncEnabled":true}`, sep, i, i, id)
		fmt.Fprintf(&mbx, `%s{"Identity":"u%d","PrimarySmtpAddress":"user%06d@contoso.com","ExternalDirectoryObjectId":%q,`+
			`"RecipientTypeDetails":"UserMailbox","DisplayName":"User %d"}`, sep, i, i, id, i)
		aff = append(aff, checks.Affected{Kind: "mailbox", ID: id, Name: fmt.Sprintf("user%06d@contoso.com", i), Detail: "POP enabled"})
	}
	for _, b := range []*bytes.Buffer{&users, &regs, &cas, &mbx} {
		b.WriteString("]")
	}
	s := buildSnap(tb, map[string]string{
		snapshot.DSUsers:                   users.String(),
		snapshot.DSUserRegistrationDetails: regs.String(),
		snapshot.DSExoCASMailbox:           cas.String(),
		snapshot.DSExoMailbox:              mbx.String(),
		snapshot.DSSubscribedSkus:          `[{"skuId":"sku-e3","skuPartNumber":"SPE_E3"}]`,
		snapshot.DSRoleAssignments:         `[]`,
		snapshot.DSExoTransportConfig:      `[{"SmtpClientAuthenticationDisabled":true}]`,
	}, nil)
	doc := fixtureDoc()
	doc.Results = append(doc.Results, checks.Result{ID: "EXO-PROTO-001", Title: "POP disabled", Severity: checks.SeverityMedium,
		Status: checks.StatusFail, Summary: fmt.Sprintf("%d mailboxes have POP enabled.", n), Affected: aff})
	return doc, s
}

func BenchmarkWrite100kUsers(b *testing.B) {
	doc, s := bigTenant(b, benchN)
	// Decode the datasets once, as the audit will have done before rendering.
	if _, err := s.Users(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(b.Context(), io.Discard, doc, s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBigTenantRows(t *testing.T) {
	if testing.Short() {
		t.Skip("large workbook")
	}
	doc, s := bigTenant(t, 3000)
	f := open(t, write(t, doc, s, Options{}))
	for sheet, want := range map[string]int{sheetUsers: 3001, sheetMailboxes: 3001, sheetAffected: 3004, sheetGuests: 153} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d", sheet, len(rows), want)
		}
	}
}

// benchN is the tenant size of BenchmarkWrite100kUsers.
const benchN = 100_000
