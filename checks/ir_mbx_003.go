package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRMbx003 is the ID of check IR-MBX-003.
const IDIRMbx003 = "IR-MBX-003"

// Bulk thresholds for mailbox item events from addresses not linked to the
// attacker (from the attacker's addresses every event counts).
const (
	bulkAccessed = 100
	bulkDeleted  = 20
)

func irMbx003() Check {
	return Check{Meta: Meta{ID: IDIRMbx003, Title: "Mailbox items accessed or deleted in bulk by the attacker", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale:  "What the attacker read decides who must be told about a data breach; what they deleted (sent items, bounces, warnings) hides the attack from the victim.",
		Datasets:   []string{snapshot.DSIncidentAuditLog},
		AlsoReads:  []string{snapshot.DSExoAdminAuditLogConfig, snapshot.DSSubscribedSkus, snapshot.DSSignIns, snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Microsoft: Use MailItemsAccessed to investigate compromised accounts", "Hawk Get-HawkUserMailItemsAccessed"}},
		Remediation: Remediation{Summary: "Establish from the accessed items which data the attacker saw (breach notification), and restore deleted items from Recoverable Items.",
			Steps: []string{"Search-UnifiedAuditLog -Operations MailItemsAccessed -UserIds <upn> -StartDate <start> -EndDate <end> (item ids per session)",
				"Restore-RecoverableItems -Identity <upn> -FilterStartTime <start>"}}},
		Eval: evalIRMbx003}
}

// irItemGroup is the item events of one mailbox, kind and address.
type irItemGroup struct {
	ev  MailboxActivityEvidence
	why string
}

// evalIRMbx003 is IR-MBX-003.
func evalIRMbx003(c *Context) Outcome {
	sc := newIncidentScope(c)
	recs, err := c.IncidentAuditLog()
	if err != nil {
		return Unknown(err)
	}
	if o, off := irAuditIngestionOff(c); off {
		return o
	}
	sis, sisErr := c.SignIns()
	attacker := irAttackerAddresses(c, sc, sis)
	gap, noSignIns := irAddressGap(c, sisErr)
	premium, licKnown := irAuditPremium(c)
	groups := map[string]*irItemGroup{}
	var keys []string
	sawAccess := false
	for _, r := range recs {
		kind := ""
		switch strings.ToLower(r.Operation) {
		case "mailitemsaccessed":
			kind = "MailItemsAccessed"
			sawAccess = true
		case "harddelete", "softdelete", "movetodeleteditems":
			kind = "deleted"
		default:
			continue
		}
		d := r.Data()
		if !sc.inWindow(r.CreatedDateTime) || !irAuditSucceeded(d) {
			continue
		}
		uid, ok := irAuditMailboxOwner(sc, r, d)
		if !ok {
			continue
		}
		ip := r.IP()
		key := uid + "\x00" + kind + "\x00" + ip
		g := groups[key]
		if g == nil {
			g = &irItemGroup{ev: MailboxActivityEvidence{UserID: uid, Mailbox: sc.users[uid].UserPrincipalName, Operation: kind, IP: ip,
				First: r.CreatedDateTime.UTC(), Last: r.CreatedDateTime.UTC()}}
			groups[key] = g
			keys = append(keys, key)
		}
		g.ev.Events++
		g.ev.Items += irItemCount(kind, d)
		if r.CreatedDateTime.Before(g.ev.First) {
			g.ev.First = r.CreatedDateTime.UTC()
		}
		if r.CreatedDateTime.After(g.ev.Last) {
			g.ev.Last = r.CreatedDateTime.UTC()
		}
	}
	if sawAccess {
		premium, licKnown = true, true // the tenant records MailItemsAccessed
	}
	sort.Strings(keys)
	var out []Affected
	attributed, review := 0, 0
	for _, key := range keys {
		g := groups[key]
		why, fromAttacker := attacker[g.ev.IP]
		bulk := (g.ev.Operation == "MailItemsAccessed" && g.ev.Items >= bulkAccessed) || (g.ev.Operation == "deleted" && g.ev.Items >= bulkDeleted)
		if !fromAttacker && !bulk {
			continue
		}
		what := phrase.Plural(g.ev.Items, "item accessed", "items accessed")
		if g.ev.Operation == "deleted" {
			what = phrase.Plural(g.ev.Items, "item deleted", "items deleted")
		}
		ev := g.ev
		a := Affected{Kind: "mailboxActivity", ID: ev.Mailbox + "/" + ev.Operation + "/" + ev.IP, Name: sc.userName(ev.UserID) + ": " + what,
			Time: irTimePtr(ev.First), Actor: ev.Mailbox, User: &UserRef{ID: ev.UserID, UPN: ev.Mailbox}, MailboxActivity: &ev}
		span := irSpan(ev.First, ev.Last)
		if fromAttacker {
			a.Attributed = true
			attributed++
			a.Detail = fmt.Sprintf("%s in %s %s, %s", what, phrase.Plural(ev.Events, "event", "events"), span, irAttackerNote(ev.IP, why))
		} else {
			review++
			a.Detail = fmt.Sprintf("review: %s in %s %s from %s, an address not linked to the attacker", what, phrase.Plural(ev.Events, "event", "events"), span, phrase.FirstOf(ev.IP, "an unknown address"))
		}
		out = append(out, a)
	}
	noAccess := ""
	if !premium {
		noAccess = " Items the attacker read (MailItemsAccessed) are not available: they need Microsoft Purview Audit (Premium)" + irIf(licKnown, ", which the tenant has no licence for.", ", and the tenant's licences were not collected.")
	}
	note := irWindowNote(c, snapshot.DSIncidentAuditLog) + gap
	switch {
	case attributed > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: fmt.Sprintf("The attacker accessed or deleted mailbox items %s (%s) — establish what they saw and restore what they deleted.%s%s",
			sc.window(), phrase.Plural(attributed, "group of events", "groups of events"), noAccess, note), Affected: out})
	case review > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("Bulk mailbox item access or deletion %s from addresses not linked to the attacker: review.%s%s", sc.window(), noAccess, note), Affected: out})
	case !premium:
		o := Outcome{Status: StatusNotApplicable, Summary: "Not applicable: MailItemsAccessed events need Microsoft Purview Audit (Premium)" +
			irIf(licKnown, ", which the tenant has no licence for", " (licences not collected)") +
			"; deletions in the audit log were checked and none came from the attacker or in bulk, but which items the attacker read cannot be known." + note, Affected: out}
		if !licKnown {
			o.Status = StatusUnknown
		}
		return o
	}
	o := Outcome{Status: StatusPass, Summary: fmt.Sprintf("No mailbox items accessed or deleted by the attacker or in bulk %s.%s", sc.window(), note), Affected: out}
	if noSignIns {
		// Items are attributed by the attacker's addresses alone.
		o = notConclusive(o, "")
	}
	return sc.unresolvedOutcome(o)
}

// irItemCount is how many items a mailbox item event touched.
func irItemCount(kind string, d snapshot.AuditData) int {
	n := 0
	if kind == "MailItemsAccessed" {
		for _, f := range d.Folders {
			n += len(f.FolderItems)
		}
		if d.OperationCount > n {
			n = d.OperationCount
		}
	} else {
		n = len(d.AffectedItems)
		if d.Item != nil && n == 0 {
			n = 1
		}
	}
	if n == 0 {
		n = 1
	}
	return n
}
