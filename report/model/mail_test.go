package model

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
)

// TestMailRecipientsAreTheBurstsRecipients: on the sample, the people to
// warn are exactly the recipients of the burst IR-MAIL-001 found, each
// once, and the ordinary mail sent before the window is not among them.
func TestMailRecipientsAreTheBurstsRecipients(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{Fixes: testFixes()})
	if err != nil {
		t.Fatal(err)
	}
	mr := rep.Incident.Mail
	if mr == nil || mr.Status != checks.StatusFail || len(mr.Senders) != 1 {
		t.Fatalf("mail reach: %+v", mr)
	}
	want := map[string]bool{}
	messages := 0
	for _, r := range doc.Results {
		if r.ID != checks.IDIRMail001 {
			continue
		}
		for _, a := range r.Affected {
			if a.Message == nil || a.Message.Burst == 0 {
				continue
			}
			messages++
			for _, rc := range a.Message.Recipients {
				want[rc.Address] = true
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample's IR-MAIL-001 found no burst")
	}
	s := mr.Senders[0]
	var got []string
	for _, r := range s.Recipients {
		got = append(got, r.Address)
	}
	var wantL []string
	for a := range want {
		wantL = append(wantL, a)
	}
	sort.Strings(wantL)
	gotSorted := append([]string(nil), got...)
	sort.Strings(gotSorted)
	if strings.Join(gotSorted, "\n") != strings.Join(wantL, "\n") {
		t.Errorf("recipients to warn:\n%s\nwant the burst's recipients:\n%s", strings.Join(gotSorted, "\n"), strings.Join(wantL, "\n"))
	}
	if s.Sender != "adele.vance@contoso.com" || s.Label != "Adele Vance <adele.vance@contoso.com>" || s.File != "recipients-adele.vance_contoso.com.csv" {
		t.Errorf("sender %q label %q file %q", s.Sender, s.Label, s.File)
	}
	if s.Messages != messages || s.Bursts != 1 || !s.First.Before(s.Last) {
		t.Errorf("messages %d (want %d), bursts %d, %s to %s", s.Messages, messages, s.Bursts, s.First, s.Last)
	}
	all, ext := mr.Total()
	if all != len(want) || ext != s.External || ext == 0 || ext == all {
		t.Errorf("total %d external %d (sender external %d)", all, ext, s.External)
	}
	// Outside the organisation first: they cannot be purged, only warned.
	for i := 1; i < len(s.Recipients); i++ {
		if s.Recipients[i].External && !s.Recipients[i-1].External {
			t.Errorf("external recipient %s after an internal one", s.Recipients[i].Address)
		}
	}
}

// TestMailRecipientsNotEvaluated: a check that could not judge gives no
// list and keeps its reason; an audit without the check gives nil.
func TestMailRecipientsNotEvaluated(t *testing.T) {
	at := time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)
	doc := &checks.Document{Results: []checks.Result{{ID: checks.IDIRMail001, Status: checks.StatusUnknown, Summary: "incidentMessageTrace: not collected",
		Affected: []checks.Affected{{Kind: "message", Message: &checks.MessageEvidence{Sender: "a@b.example", Sent: at,
			Recipients: []checks.MessageRecipient{{Address: "x@y.example"}}}}}}}}
	mr := MailRecipients(doc, nil)
	if mr == nil || len(mr.Senders) != 0 || !strings.Contains(mr.Summary, "not collected") {
		t.Errorf("unattributed messages must not make a list: %+v", mr)
	}
	if MailRecipients(&checks.Document{}, nil) != nil {
		t.Error("no IR-MAIL-001 result must give nil")
	}
}
