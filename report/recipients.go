package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// recipientsWriter writes recipients-<user>.csv: for each compromised
// account whose mail IR-MAIL-001 attributes to the attacker, the people
// who received it, ready for a mail merge of the warning. The list is the
// report model's (model.MailRecipients); this writer only renders it.
type recipientsWriter struct{}

func (recipientsWriter) Format() string { return "recipients" }

func (recipientsWriter) FilePatterns() []string { return []string{"recipients-<user>.csv"} }

// recipientsSenders returns the model's senders of attributed mail.
func recipientsSenders(in *Input) ([]model.SenderReach, error) {
	rep, err := in.model()
	if err != nil {
		return nil, err
	}
	if rep.Incident == nil || rep.Incident.Mail == nil {
		return nil, nil
	}
	return rep.Incident.Mail.Senders, nil
}

// RecipientsFileName is the recipients list of one compromised account
// (model.RecipientsFileName).
func RecipientsFileName(sender string) string { return model.RecipientsFileName(sender) }

func (recipientsWriter) Files(in *Input) []string {
	senders, _ := recipientsSenders(in)
	out := make([]string, 0, len(senders))
	for _, s := range senders {
		out = append(out, s.File)
	}
	return out
}

func (recipientsWriter) Write(_ context.Context, in *Input, file string, w io.Writer) error {
	senders, err := recipientsSenders(in)
	if err != nil {
		return fmt.Errorf("report: recipients list: %w", err)
	}
	for _, s := range senders {
		if s.File == file {
			return WriteRecipientsCSV(w, s.Recipients)
		}
	}
	return fmt.Errorf("report: no recipients list %s", file)
}

// WriteRecipientsCSV writes a recipients list as CSV (UTF-8 with a byte
// order mark so spreadsheet programs read the names right). The address is
// kept verbatim when it is a plain address (CSVSafeAddress), so the mail
// merge reaches the real mailbox; every other cell a spreadsheet could take
// for a formula is made inert.
func WriteRecipientsCSV(w io.Writer, list []checks.RecipientToWarn) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"recipient", "internal_or_external", "messages", "first_utc", "last_utc", "subjects"}); err != nil {
		return err
	}
	for _, r := range list {
		where := "internal"
		if r.External {
			where = "external"
		}
		row := []string{r.Address, where, strconv.Itoa(r.Messages), r.First.UTC().Format(time.RFC3339), r.Last.UTC().Format(time.RFC3339), strings.Join(r.Subjects, " | ")}
		row[0] = CSVSafeAddress(row[0])
		for i := 1; i < len(row); i++ {
			row[i] = CSVSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe makes a cell inert in spreadsheet programs: a value starting
// with = + - @, a tab or a carriage return is prefixed with an apostrophe,
// so it is shown as text and never evaluated.
func CSVSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}

// CSVSafeAddress writes a recipient address for a mail merge. A plain
// address — one @ between a non-empty local part and domain made only of
// ASCII letters, digits and . _ % + = ' - — is kept verbatim even when it
// starts with = + - or @ (=billing@adatum.com, -ap@wingtiptoys.com are real
// mailboxes): without parentheses, quotes, |, !, spaces or control
// characters it can call no function and start no DDE link, so a
// spreadsheet at worst shows it as an error or does arithmetic on it
// (-2+3@x.com). Anything else is made inert as CSVSafe does.
func CSVSafeAddress(v string) string {
	if PlainAddress(v) {
		return v
	}
	return CSVSafe(v)
}

// PlainAddress reports whether v is local@domain with both parts
// non-empty and made only of [A-Za-z0-9._%+='-].
func PlainAddress(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" {
		return false
	}
	return plainAddressPart(local) && plainAddressPart(domain)
}

func plainAddressPart(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._%+='-", c) >= 0:
		default:
			return false
		}
	}
	return true
}
