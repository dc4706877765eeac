package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// recipientsWriter writes recipients-<user>.csv: for each compromised
// account whose mail IR-MAIL-001 attributes to the attacker, the people
// who received it, ready for a mail merge of the warning. The list comes
// from checks.RecipientsToWarn; this writer only renders it.
type recipientsWriter struct{}

func (recipientsWriter) Format() string { return "recipients" }

// recipientsSenders returns the senders of attributed IR-MAIL-001
// messages, sorted, and the result.
func recipientsSenders(in *Input) ([]string, checks.Result) {
	for _, r := range in.Doc.Results {
		if r.ID != checks.IDIRMail001 {
			continue
		}
		seen := map[string]bool{}
		var out []string
		for _, a := range r.Affected {
			if a.Message != nil && a.Attributed && !seen[a.Message.Sender] {
				seen[a.Message.Sender] = true
				out = append(out, a.Message.Sender)
			}
		}
		sort.Strings(out)
		return out, r
	}
	return nil, checks.Result{}
}

// RecipientsFileName is the recipients list of one compromised account.
func RecipientsFileName(sender string) string {
	return "recipients-" + strings.TrimPrefix(strings.TrimSuffix(model.ContainmentFileName(sender), ".ps1"), "incident-") + ".csv"
}

func (recipientsWriter) Files(in *Input) []string {
	senders, _ := recipientsSenders(in)
	out := make([]string, 0, len(senders))
	for _, s := range senders {
		out = append(out, RecipientsFileName(s))
	}
	return out
}

func (recipientsWriter) Write(_ context.Context, in *Input, file string, w io.Writer) error {
	senders, r := recipientsSenders(in)
	for _, s := range senders {
		if RecipientsFileName(s) == file {
			return WriteRecipientsCSV(w, checks.RecipientsToWarn(r, s))
		}
	}
	return fmt.Errorf("report: no recipients list %s", file)
}

// WriteRecipientsCSV writes a recipients list as CSV (UTF-8 with a byte
// order mark so spreadsheet programs read the names right). Every cell a
// spreadsheet could take for a formula is made inert.
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
		for i := range row {
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
