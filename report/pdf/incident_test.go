package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// contosoGenerated is the fixed generation time of the sample renders.
var contosoGenerated = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// contoso audits the embedded sample tenant with the real engine, with the
// incident from its manifest.
func contoso(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)
	if inc == nil {
		t.Fatal("the sample has no incident in its manifest")
	}
	return checks.Run(snap, checks.RunOptions{GeneratedAt: contosoGenerated, Incident: inc}), snap
}

// renderItems renders a document uncompressed and extracts its text.
func renderItems(t *testing.T, doc *checks.Document, snap *snapshot.Snapshot) []textItem {
	t.Helper()
	return extractText(t, render(t, doc, snap))
}

// section returns the text drawn from the first item equal to from up to
// (not including) the first later item equal to one of to, spaces removed
// so wrapped lines compare whole.
func section(t *testing.T, items []textItem, from string, to ...string) string {
	t.Helper()
	start := -1
	for i, it := range items {
		if it.s == from {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("no %q in the PDF", from)
	}
	end := len(items)
	for i := start + 1; i < len(items) && end == len(items); i++ {
		for _, s := range to {
			if items[i].s == s {
				end = i
				break
			}
		}
	}
	return squash(joined(items[start:end]))
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// TestIncidentContoso renders the engine's results on the Contoso sample
// and reads the incident section back: it names what the attacker did and
// leaves out what they did not.
func TestIncidentContoso(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	items := renderItems(t, doc, snap)
	const (
		hIncident = "Incident response: compromised account"
		hHappened = "What happened"
		hChanged  = "What the attacker changed"
		hOpen     = "What is still open"
		hScript   = "What the containment script will do"
		hReview   = "For review only (no script changes these)"
		hHarden   = "Then, organisation-wide (remediation.ps1)"
		hTimeline = "Timeline"
		hExec     = "Executive summary"
	)
	// The incident comes first: page 1, before the executive summary.
	var incPage, execPage int
	for _, it := range items {
		if it.s == hIncident && incPage == 0 {
			incPage = it.page
		}
		if it.s == hExec && execPage == 0 {
			execPage = it.page
		}
	}
	if incPage != 1 || execPage <= incPage {
		t.Fatalf("incident on page %d, executive summary on page %d; want the incident first", incPage, execPage)
	}

	happened := section(t, items, hHappened, hChanged)
	changed := section(t, items, hChanged, hOpen)
	open := section(t, items, hOpen, hScript)
	script := section(t, items, hScript, hReview)
	review := section(t, items, hReview, hHarden)
	timeline := section(t, items, hTimeline, hExec)

	for _, c := range []struct {
		part, name string
		want       []string
	}{
		{happened, "what happened", []string{
			"AdeleVance<adele.vance@contoso.com>", // from the intro, carried by the box too
			"IMAP4", "AuthenticatedSMTP", "203.0.113.45(Lagos,NG)", "passwordalone",
			"MFAwasnotenforced:securitydefaultswereon,butthetenanthasnoConditionalAccesspolicy",
			"ENTRA-EXT-001", "Nothing stopped the account inviting 5 guests", "consenting to eM Client", "ENTRA-APP-001", "198.51.100.77(Moscow,RU)",
		}},
		{changed, "attacker changes", []string{
			"MicrosoftAuthenticator(GalaxyS9)", "Phone(mobile,+447700900461)",
			"rule“.”", "rule“..”", "adele.v.backup@gmail.com",
			"KevinChen", "SaraDavis", "j.moreau@proseware.com", "accounts@woodgrovebank.com", "m.ali@adventure-works.com",
			"'; Remove-MgUser -UserId 'x'; '", `=HYPERLINK("http://evil.example","click")`,
			"eMClient", "Guestsinvited(5)", "Authenticationmethodsregistered(2)", "Inboxrules(4)", "rule“ndr”", "rule“Mailboxmaintenance”",
		}},
		{open, "still open", []string{"IR-USR-002", "IR-INB-001", "IR-MBX-001", "IR-GST-001", "IR-APP-001",
			"Gapsthatletithappen", "Itdidnothold:thesign-inlogshows10successfulsingle-factorsign-ins", "EXO-PROTO-001", "EXO-PROTO-003", "ENTRA-EXT-001", "ENTRA-APP-001", "ENTRA-MFA-001"}},
		{script, "containment", []string{"Script: " + model.ContainmentFileName("adele.vance@contoso.com"), "Block sign-in.",
			"Reset password (random, change required at next sign-in)", "Revoke all sign-in sessions and refresh tokens",
			"Remove the 2 authentication methods registered in the window", "Remove the 2 suspicious inbox rules",
			"Clear mailbox forwarding", "then delete (restorable for 30 days), the 5 guests invited by the compromised account",
			"Revoke the OAuth consent (delegated permission grant)", "eM Client — scopes Mail.ReadWrite", "Disable POP, IMAP and SMTP AUTH for the mailbox",
			model.WhatRemoveHidden, "rule “Mailbox maintenance”", model.WhatReleaseSender,
			"Already deleted, evidence only", "rule “ndr” — created 2026-11-18 08:01 UTC, deleted 2026-11-18 08:41 UTC"}},
		{review, "review", []string{"JunPark", "“Newsletters”", "eMClient", "Sign-insareevidence:theyareintheTimelinebelow"}},
		{timeline, "timeline", []string{"Sign-in via IMAP4 succeeded", "Guestinvited", "sheetTimeline"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.part, squash(w)) {
				t.Errorf("%s lacks %q", c.name, w)
			}
		}
	}
	// Not the attacker: the admin-invited guests, the old authenticator,
	// the ordinary rule, the admin's consent, the scanner.
	for _, not := range []string{"RyanO’Neil", "陳大文", "山田太郎", "JunPark", "iPhone", "Newsletters", "GraphCommandLine", "scanner@"} {
		if strings.Contains(changed, not) || strings.Contains(script, not) {
			t.Errorf("%q is listed as an attacker change or acted on by the containment script", not)
		}
	}
	// The attacker's mail and the sending restriction are not repeated as
	// changes: the recipients list and the containment box show them.
	for _, not := range []string{"Otherchanges", "RemittanceAdvice", "OutboundSpamLastHour", "IR-MAIL-001", "IR-MAIL-002"} {
		if strings.Contains(changed, not) {
			t.Errorf("%q is listed as an attacker change", not)
		}
	}
	if strings.Contains(review, "RemittanceAdvice") {
		t.Error("the attacker's messages are listed for review")
	}
	for _, not := range []string{"RyanO’Neil", "陳大文", "iPhone"} {
		if strings.Contains(happened+review, not) {
			t.Errorf("%q appears in the incident section", not)
		}
	}
	// The hostile right-to-left mark is removed, not drawn.
	if strings.ContainsRune(joined(items), '\u200f') {
		t.Error("a right-to-left mark reached the page")
	}
}

// TestIncidentTimelineAgreesWithWorkbook: the timeline table is
// describe.Timeline, capped, with the cap said in words.
func TestIncidentTimelineAgreesWithWorkbook(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	evs := buildModel(t, doc, snap).Incident.Timeline
	if len(evs) <= maxTimelineRows {
		t.Fatalf("the sample has %d timeline events; the cap test needs more than %d", len(evs), maxTimelineRows)
	}
	items := renderItems(t, doc, snap)
	tl := section(t, items, "Timeline", "Executive summary")
	if want := squash(fmt.Sprintf("Showing %d of %d events", maxTimelineRows, len(evs))); !strings.Contains(tl, want) {
		t.Errorf("timeline does not say it is capped (%q)", want)
	}
	// Every attributed event is shown: count rows drawn in bold red.
	attributed := 0
	for _, e := range evs {
		if e.Attributed {
			attributed++
			if !strings.Contains(tl, squash(e.Event)) {
				t.Errorf("attributed event %q missing", e.Event)
			}
		}
	}
	if attributed == 0 {
		t.Fatal("no attributed event in the sample timeline")
	}
}

// TestAttackerSignInsMarked: the Lagos IMAP and SMTP sign-ins, which
// IR-SIG-001 attributes, and the Lagos sign-ins that passed MFA with a
// stolen token are highlighted; the failed Moscow attempts and the user's
// own sign-ins from the office are not.
func TestAttackerSignInsMarked(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	evs := buildModel(t, doc, snap).Incident.Timeline
	marked := 0
	for _, e := range evs {
		if e.Source != "sign-in log" {
			continue
		}
		lagosLegacy := strings.Contains(e.Detail, "203.0.113.45") && strings.Contains(e.Detail, "password only") && strings.HasSuffix(e.Event, "succeeded")
		switch {
		case lagosLegacy && !e.Attributed:
			t.Errorf("attacker sign-in not marked: %s %s", e.Event, e.Detail)
		case e.Attributed && (strings.Contains(e.Event, "failed") || (strings.Contains(e.Detail, "with MFA") && !strings.Contains(e.Detail, "203.0.113.45"))):
			t.Errorf("sign-in wrongly marked: %s %s", e.Event, e.Detail)
		}
		if e.Attributed {
			marked++
		}
	}
	if marked < 6 { // 3 IMAP4 and 3 Authenticated SMTP from Lagos
		t.Errorf("%d sign-ins marked, want at least 6", marked)
	}
}

// TestIncidentPlanIsTheScripts: the containment steps are the ones
// report/pwsh plans for incident-<user>.ps1, every target named, and no
// object the checks did not attribute appears among them.
func TestIncidentPlanIsTheScripts(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	items := renderItems(t, doc, snap)
	steps := section(t, items, "What the containment script will do", "For review only (no script changes these)")
	actions := mustPlan(t, doc, snap, "adele.vance@contoso.com").Actions()
	if len(actions) == 0 {
		t.Fatal("the script plans no action for Adele")
	}
	targets := map[string]bool{}
	for _, a := range actions {
		name := strings.TrimPrefix(a.TargetName, "Adele Vance <adele.vance@contoso.com>: ")
		if i := strings.Index(name, "<"); i > 0 {
			// Right-to-left names are shaped for the page; the address
			// identifies the guest.
			name = name[i:]
		}
		if !strings.Contains(steps, squash(clean(name, false))) {
			t.Errorf("step %q on %q is not in the PDF", a.What, name)
		}
		targets[a.Kind+"|"+a.TargetID] = true
	}
	if !strings.Contains(steps, squash(model.ContainmentFileName("adele.vance@contoso.com"))) {
		t.Errorf("the PDF does not name the script file %s", model.ContainmentFileName("adele.vance@contoso.com"))
	}
	// 2 methods, 3 rules (one hidden), 1 grant, 5 guests, the restricted
	// sender: the sample's story.
	for kind, want := range map[string]int{"authMethod": 2, "inboxRule": 3, "grant": 1, "guest": 5, "restrictedSender": 1} {
		n := 0
		for k := range targets {
			if strings.HasPrefix(k, kind+"|") {
				n++
			}
		}
		if n != want {
			t.Errorf("%d %s targets in the script plan, want %d", n, kind, want)
		}
	}
	for _, r := range doc.Results {
		if !r.Incident {
			continue
		}
		for _, a := range r.Affected {
			if a.Attributed || a.Kind == "signIn" || a.Kind == "user" || a.Kind == "mailbox" {
				continue
			}
			if name := squash(clean(strings.TrimPrefix(a.Name, "Adele Vance <adele.vance@contoso.com>: "), false)); strings.Contains(steps, name) {
				t.Errorf("%s %q is not attributed but appears in the containment steps", a.Kind, a.Name)
			}
		}
	}
}

// TestNoIncidentSection: without an incident the report starts with the
// executive summary and has no incident section.
func TestNoIncidentSection(t *testing.T) {
	t.Parallel()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := checks.Run(snap, checks.RunOptions{GeneratedAt: contosoGenerated})
	out := render(t, doc, snap)
	text := joined(extractText(t, out))
	for _, not := range []string{"Incident response", "What the attacker changed", "containment script", "Timeline"} {
		if strings.Contains(text, not) {
			t.Errorf("a report without an incident contains %q", not)
		}
	}
	if m := outlineRe.FindIndex(out); m == nil || !bytes.Contains(out[m[1]:m[1]+64], []byte{0, 'E', 0, 'x', 0, 'e', 0, 'c'}) {
		t.Error("the first bookmark is not the executive summary")
	}
}

// TestIncidentSignInsNotCollected: with the sign-in logs unlicensed, the
// section says which questions could not be answered and why, and claims
// nothing about sign-ins.
func TestIncidentSignInsNotCollected(t *testing.T) {
	t.Parallel()
	_, full := contoso(t)
	m := full.Manifest
	m.Datasets = map[string]snapshot.DatasetInfo{}
	files := map[string][]byte{}
	for id, info := range full.Manifest.Datasets {
		if id == snapshot.DSSignIns {
			info = snapshot.DatasetInfo{Status: snapshot.StatusUnlicensed, Reason: "Entra ID P1 or P2 is required to read sign-in logs"}
			m.Datasets[id] = info
			continue
		}
		m.Datasets[id] = info
		if raw, err := full.Raw(id); err == nil {
			files[id] = raw
		}
	}
	snap := snapshot.FromFiles(m, files)
	doc := checks.Run(snap, checks.RunOptions{GeneratedAt: contosoGenerated, Incident: checks.IncidentFrom(m.CollectedAt, m.Incident)})
	items := renderItems(t, doc, snap)
	happened := section(t, items, "What happened", "What the attacker changed")
	for _, want := range []string{
		"Could not be answered from this snapshot",
		"sign-in logs were not collected (unlicensed: Entra ID P1 or P2 is required to read sign-in logs): legacy-protocol sign-ins could not be checked (IR-SIG-001)",
		"whether sign-ins succeeded without MFA could not be checked (IR-SIG-002)",
	} {
		if !strings.Contains(happened, squash(want)) {
			t.Errorf("what happened lacks %q", want)
		}
	}
	for _, not := range []string{"203.0.113.45", "Successfulsign-ins", "MFAwasnotenforced"} {
		if strings.Contains(happened, not) {
			t.Errorf("with no sign-in logs, what happened still says %q", not)
		}
	}
	// The attacker's changes do not depend on the sign-in logs.
	if !strings.Contains(section(t, items, "What the attacker changed", "What is still open"), "Guestsinvited(5)") {
		t.Error("guests missing without sign-in logs")
	}
}

// TestIncidentGolden keeps the incident pages of the Contoso sample as
// text, so a wording or layout change shows up as a readable diff.
func TestIncidentGolden(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	items := renderItems(t, doc, snap)
	var inc []textItem
	for _, it := range items {
		if it.s == "Executive summary" {
			break
		}
		inc = append(inc, it)
	}
	assertGolden(t, "contoso-incident.text", []byte(dump(inc)))
}

// TestIncidentDeterministic renders the sample twice.
func TestIncidentDeterministic(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	if !bytes.Equal(render(t, doc, snap), render(t, doc, snap)) {
		t.Fatal("two renderings of the Contoso incident differ")
	}
}

// TestIncidentTwoUsers: with two incident users each gets a script with
// the objects they created; Megan's partner invitation becomes hers.
func TestIncidentTwoUsers(t *testing.T) {
	t.Parallel()
	_, snap := contoso(t)
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, &snapshot.Incident{
		Users: []string{"adele.vance@contoso.com", "megan.bowen@contoso.com"}, Start: snap.Manifest.Incident.Start})
	doc := checks.Run(snap, checks.RunOptions{GeneratedAt: contosoGenerated, Incident: inc})
	items := renderItems(t, doc, snap)
	adele := section(t, items, "Adele Vance <adele.vance@contoso.com>", "Megan Bowen <megan.bowen@contoso.com>")
	megan := section(t, items, "Megan Bowen <megan.bowen@contoso.com>", "For review only (no script changes these)")
	if !strings.Contains(megan, "JunPark") {
		t.Error("Megan's script does not remove the guest she invited in the window")
	}
	if strings.Contains(adele, "JunPark") || !strings.Contains(adele, "the5guests") {
		t.Error("Adele's script should remove her 5 guests and not Megan's")
	}
	text := squash(joined(items))
	for _, want := range []string{"Script: " + model.ContainmentFileName("adele.vance@contoso.com"), "Script: " + model.ContainmentFileName("megan.bowen@contoso.com"), "Events of the incident users"} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("two-user report lacks %q", want)
		}
	}
}

// TestIncidentWithoutSnapshot renders from results.json alone: users are
// named from the containment check, the timeline from the results.
func TestIncidentWithoutSnapshot(t *testing.T) {
	t.Parallel()
	doc, _ := contoso(t)
	items := renderItems(t, doc, nil)
	script := section(t, items, "What the containment script will do", "For review only (no script changes these)")
	for _, want := range []string{"Adele Vance <adele.vance@contoso.com>", "Script: " + model.ContainmentFileName("adele.vance@contoso.com"), "the 5 guests invited by the compromised account"} {
		if !strings.Contains(script, squash(want)) {
			t.Errorf("without a snapshot the plan lacks %q", want)
		}
	}
	if tl := section(t, items, "Timeline", "Executive summary"); !strings.Contains(tl, "Guestinvited") || strings.Contains(tl, "Sign-inviaIMAP4") {
		t.Error("without a snapshot the timeline should hold the results' objects and no sign-in log rows")
	}
}

// BenchmarkIncidentContoso renders the Contoso sample with its incident
// section (the engine's results and the snapshot's timeline).
func BenchmarkIncidentContoso(b *testing.B) {
	doc, snap := contoso(b)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(b.Context(), &buf, buildModel(b, doc, snap), Options{Compress: true}); err != nil {
			b.Fatal(err)
		}
	}
}
