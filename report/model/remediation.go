package model

import (
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Fix is what planning needs to know about a scripted fix. The fixes
// themselves (and this description of each) live in the script writer's
// registry (report/pwsh), which hands them to Build as Options.Fixes.
type Fix struct {
	// OnWarn: a warn result gets the fix too (it completes a partial
	// configuration); otherwise only fail does.
	OnWarn bool
	// ConditionalAccess: the fix creates a Conditional Access policy, which
	// needs Entra ID P1.
	ConditionalAccess bool
	// Template: the block is a commented template a person completes; as
	// written it changes nothing.
	Template bool
	// Targets says whether and how the fix acts on the result's affected
	// objects.
	Targets Targets
}

// Targets says which objects a fix changes.
type Targets int

// Kinds of fix targets.
const (
	// TargetsNone: the fix changes one tenant-wide setting.
	TargetsNone Targets = iota
	// TargetsObjects: the fix changes each affected object, named by the
	// identity its check recorded, else its id, else its name.
	TargetsObjects
	// TargetsMailboxes: the fix changes each affected mailbox, named by its
	// primary SMTP address when the snapshot knows it.
	TargetsMailboxes
	// TargetsOwners: the fix removes each owner the affected rows name
	// (typed owner evidence), as "<applications|servicePrincipals>/<object
	// id>/owners/<owner id>"; rows without an owner are not targets.
	TargetsOwners
)

// Fixes maps check IDs (checks.ID… constants) to their scripted fix.
type Fixes map[string]Fix

// Variant selects one of a check's fixes.
type Variant int

// Fix variants.
const (
	VariantDefault Variant = iota
	// VariantSecurityDefaults: ENTRA-MFA-001 without Entra ID P1 enables
	// security defaults instead of creating a Conditional Access policy.
	VariantSecurityDefaults
)

// Target is one object a fix acts on.
type Target struct {
	Identity string
	// Accepted: a config acceptance covers the object; the fix skips it.
	Accepted bool
}

// Block is one fix remediation.ps1 carries.
type Block struct {
	Result  checks.Result
	Fix     Fix
	Variant Variant
	// Targets are the objects the fix changes (TargetsObjects,
	// TargetsMailboxes), sorted and each once.
	Targets []Target
	// Held are affected objects the block leaves alone by default because
	// the snapshot shows them in use (a mailbox still sending through SMTP
	// AUTH); the plan's Manual list says what to do first.
	Held []Held
	// KeepSMTPAuth (EXO-PROTO-001) lists the accounts that still send
	// through SMTP AUTH and keep their per-mailbox override, so turning
	// SMTP AUTH off for the organization does not stop them.
	KeepSMTPAuth []SMTPAuthUse
}

// Held is an object a block leaves alone, and why.
type Held struct {
	Identity string
	Reason   string
}

// Changes reports whether the block changes anything when run (a template
// does not).
func (b Block) Changes() bool { return !b.Fix.Template }

// ManualItem is a failing check the script does not fix, and why.
type ManualItem struct {
	Result checks.Result
	Reason string
}

// RemediationPlan is what remediation.ps1 contains, and what reports say
// it does: one block per scriptable fix, in check ID order, and the rest.
type RemediationPlan struct {
	Blocks []Block
	Manual []ManualItem
	// Accepted lists check IDs whose whole risk is accepted.
	Accepted []string
	// Incident lists failing incident checks (the containment scripts'
	// business).
	Incident []string
	// Unknown lists checks that could not be evaluated.
	Unknown []string
	// SecurityDefaultsOn: the snapshot shows security defaults enabled
	// (Conditional Access policies can be enabled only once they are off).
	SecurityDefaultsOn bool
	// ExchangeOrganization is the audited Exchange organisation's name,
	// for the script's tenant guard ("" when unknown).
	ExchangeOrganization string
}

// Has reports whether the plan carries a block for the check.
func (p RemediationPlan) Has(id string) bool {
	for _, b := range p.Blocks {
		if b.Result.ID == id {
			return true
		}
	}
	return false
}

// CheckIDs lists the checks the plan carries a block for.
func (p RemediationPlan) CheckIDs() []string {
	ids := make([]string, 0, len(p.Blocks))
	for _, b := range p.Blocks {
		ids = append(ids, b.Result.ID)
	}
	return ids
}

// PlanRemediation selects a block, a manual procedure, or nothing for every
// result of doc. snap (may be nil) resolves mailbox identities and security
// defaults.
func PlanRemediation(doc *checks.Document, snap *snapshot.Snapshot, fixes Fixes) RemediationPlan {
	var p RemediationPlan
	if doc == nil {
		return p
	}
	p.SecurityDefaultsOn = securityDefaultsOn(snap)
	p.ExchangeOrganization = exchangeOrganization(snap)
	smtpUses := smtpAuthUses(doc, snap)
	results := append([]checks.Result(nil), doc.Results...)
	sort.SliceStable(results, func(i, j int) bool { return results[i].ID < results[j].ID })
	var cas map[string]string
	for _, r := range results {
		switch r.Status {
		case checks.StatusUnknown, checks.StatusError:
			p.Unknown = append(p.Unknown, r.ID)
			continue
		case checks.StatusFail, checks.StatusWarn, checks.StatusManual:
		default:
			continue
		}
		if r.Incident {
			p.Incident = append(p.Incident, r.ID)
			continue
		}
		if r.IsAccepted() && len(r.Accepted.Objects) == 0 {
			p.Accepted = append(p.Accepted, r.ID)
			continue
		}
		fix, ok := fixes[r.ID]
		if !ok || r.Status == checks.StatusManual {
			p.Manual = append(p.Manual, ManualItem{r, "needs a person's decision or is not scriptable"})
			continue
		}
		if r.Status == checks.StatusWarn && !fix.OnWarn {
			p.Manual = append(p.Manual, ManualItem{r, "partly configured (for example a report-only policy exists): review it rather than add another"})
			continue
		}
		variant := VariantDefault
		if r.ID == checks.IDEntraMFA001 {
			switch {
			case !doc.Licences.Known:
				p.Manual = append(p.Manual, ManualItem{r, "licences were not collected, so the script cannot choose between a Conditional Access policy (Entra ID P1) and security defaults"})
				continue
			case !doc.Licences.P1:
				variant = VariantSecurityDefaults
				fix = Fix{OnWarn: true}
			}
		}
		if fix.ConditionalAccess && r.ID != checks.IDEntraMFA001 && !doc.Licences.P1 {
			p.Manual = append(p.Manual, ManualItem{r, "Conditional Access needs Entra ID P1; without it, security defaults (ENTRA-MFA-001) provide the baseline"})
			continue
		}
		b := Block{Result: r, Fix: fix, Variant: variant}
		if r.ID == checks.IDEXOProto001 && len(smtpUses) > 0 {
			var stopped []string
			for _, u := range smtpUses {
				if u.Override {
					b.KeepSMTPAuth = append(b.KeepSMTPAuth, u)
				} else {
					stopped = append(stopped, u.Evidence())
				}
			}
			if len(stopped) > 0 {
				p.Manual = append(p.Manual, ManualItem{r, "the collected sign-in log shows accounts that would stop sending: " +
					strings.Join(stopped, "; ") + "; " + smtpAuthMove + ", then turn SMTP AUTH off for the organization"})
				continue
			}
		}
		switch fix.Targets {
		case TargetsObjects:
			b.Targets = targets(r, objectIdentity)
		case TargetsMailboxes:
			if cas == nil {
				cas = casIndex(snap)
			}
			resolve := func(a checks.Affected) string { return mailboxIdentity(a, cas) }
			if r.ID == checks.IDEXOProto002 && len(smtpUses) > 0 {
				var kept []string
				b.Targets, b.Held, kept = holdSMTPAuthUsers(r, resolve, smtpUses)
				if len(kept) > 0 {
					p.Manual = append(p.Manual, ManualItem{r, strings.Join(kept, "; ") + ": " + smtpAuthMove + ", then remove the override"})
				}
				if len(b.Targets) == 0 {
					continue
				}
				break
			}
			b.Targets = targets(r, resolve)
		case TargetsOwners:
			b.Targets = targets(r, OwnerRef)
			if len(b.Targets) == 0 && len(r.Affected) > 0 {
				p.Manual = append(p.Manual, ManualItem{r, "no owner to remove: client secrets are replaced by hand, after the workload has a certificate"})
				continue
			}
		}
		if fix.Targets != TargetsNone && len(r.Affected) == 0 {
			p.Manual = append(p.Manual, ManualItem{r, "the audit listed no objects to change"})
			continue
		}
		p.Blocks = append(p.Blocks, b)
	}
	return p
}

// holdSMTPAuthUsers splits EXO-PROTO-002's mailboxes: those the sign-in
// log shows still sending through SMTP AUTH are held (removing their
// override would stop them), the rest are targets. kept is the evidence for
// each held mailbox.
func holdSMTPAuthUsers(r checks.Result, resolve func(checks.Affected) string, uses []SMTPAuthUse) (tgts []Target, held []Held, kept []string) {
	all := targets(r, resolve)
	heldIDs := map[string]string{}
	for _, a := range r.Affected {
		id := resolve(a)
		if u, ok := usesSMTPAuth(uses, a, id); ok && id != "" {
			heldIDs[strings.ToLower(id)] = u.Evidence()
		}
	}
	for _, t := range all {
		if ev, ok := heldIDs[strings.ToLower(t.Identity)]; ok {
			held = append(held, Held{Identity: t.Identity, Reason: ev})
			kept = append(kept, ev)
			continue
		}
		tgts = append(tgts, t)
	}
	return tgts, held, kept
}

// targets returns the affected objects of r, sorted, with the identity
// resolve gives each (each once).
func targets(r checks.Result, resolve func(checks.Affected) string) []Target {
	seen := map[string]bool{}
	var out []Target
	for _, a := range r.Affected {
		id := resolve(a)
		if id == "" || seen[strings.ToLower(id)] {
			continue
		}
		seen[strings.ToLower(id)] = true
		out = append(out, Target{Identity: id, Accepted: a.Accepted})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}

// OwnerRef names the owner an affected row is about as the Graph path of
// the ownership below the version root: "applications/<id>/owners/<owner
// id>" or "servicePrincipals/<id>/owners/<owner id>"; "" when the row names
// no owner of an application or service principal.
func OwnerRef(a checks.Affected) string {
	if a.Owner == nil || a.Owner.ID == "" || a.ID == "" {
		return ""
	}
	var coll string
	switch a.Kind {
	case "application":
		coll = "applications"
	case "servicePrincipal":
		coll = "servicePrincipals"
	default:
		return ""
	}
	return coll + "/" + a.ID + "/owners/" + a.Owner.ID
}

// objectIdentity is the affected object's cmdlet identity when its check
// names one, else its id, else its name.
func objectIdentity(a checks.Affected) string {
	return phrase.FirstOf(ExchangeIdentityOf(a), a.ID, a.Name)
}

// mailboxIdentity is the identity Set-CASMailbox gets for an affected
// mailbox: the identity its check names, else its primary SMTP address
// when the snapshot knows it (unique, readable), else the snapshot's
// Identity, else the affected id.
func mailboxIdentity(a checks.Affected, cas map[string]string) string {
	if v := ExchangeIdentityOf(a); v != "" {
		return v
	}
	if v, ok := cas[strings.ToLower(a.ID)]; ok && a.ID != "" {
		return v
	}
	return phrase.FirstOf(a.ID, a.Name)
}

// casIndex maps every key of a snapshot CAS mailbox row (object id,
// address, identity, name; lower-cased) to the identity scripts use for it.
func casIndex(snap *snapshot.Snapshot) map[string]string {
	out := map[string]string{}
	if snap == nil {
		return out
	}
	rows, err := snap.CASMailboxes()
	if err != nil {
		return out
	}
	for _, m := range rows {
		ident := phrase.FirstOf(m.PrimarySmtpAddress, m.Identity)
		if ident == "" {
			continue
		}
		for _, k := range []string{m.ExternalDirectoryObjectID, m.PrimarySmtpAddress, m.Identity, m.Name} {
			if k == "" {
				continue
			}
			if _, dup := out[strings.ToLower(k)]; !dup {
				out[strings.ToLower(k)] = ident
			}
		}
	}
	return out
}

// securityDefaultsOn reports whether the snapshot shows security defaults
// enabled.
func securityDefaultsOn(snap *snapshot.Snapshot) bool {
	if snap == nil {
		return false
	}
	sd, err := snap.SecurityDefaults()
	return err == nil && sd != nil && sd.IsEnabled
}
