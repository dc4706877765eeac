// Package model builds, from an audit's results (checks.Document) and the
// snapshot they came from, everything a reader of the reports needs: the
// incident narrative and the "why MFA did not stop it" posture, the
// containment plan per incident user, the remediation plan, the timeline,
// the coverage, and the evidence's chain-of-custody state. It decides; the
// writers (report/pdf, report/pwsh, …) only render what it says, so no two
// outputs can disagree. It is pure: no I/O, no clock, no network.
package model

import (
	"errors"
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Options configure Build.
type Options struct {
	// Fixes are the scripted fixes the remediation plan may use, by check
	// ID (report/pwsh.Fixes()). Without them every failing check is a
	// manual step.
	Fixes Fixes
	// AllowUnsafeScripts lets scripts that change the tenant be written
	// from a snapshot that is not trusted (tampered or incomplete); each
	// then starts with a banner and a throw the admin removes by hand.
	AllowUnsafeScripts bool
}

// Report is the report model: the results and everything derived from them.
type Report struct {
	// Doc is the results document the model was built from. Writers render
	// its results and score as they are.
	Doc *checks.Document
	// Evidence is the snapshot's chain-of-custody state, as reports print
	// it.
	Evidence EvidenceState
	// Incident is nil when the audit has no incident context.
	Incident *Incident
	// Remediation is what remediation.ps1 does.
	Remediation RemediationPlan
	// NotCollected lists the datasets the snapshot lacks, the ones an
	// operator can fix first.
	NotCollected []DatasetGap
	// Scripts says whether and how scripts that change the tenant are
	// written.
	Scripts ScriptPolicy
	// Changes is what changed since the baseline audit (changes.go); nil
	// without a baseline.
	Changes *Changes
}

// ErrNoDocument is returned by Build without a results document.
var ErrNoDocument = errors.New("report model: no results document")

// Build builds the report model. snap may be nil (results read back from
// results.json): what only the snapshot knows (names, the timeline's
// sign-ins, mailbox identities) is then left out.
func Build(doc *checks.Document, snap *snapshot.Snapshot, opt Options) (*Report, error) {
	if doc == nil {
		return nil, ErrNoDocument
	}
	r := &Report{Doc: doc, Evidence: evidenceState(doc.Evidence), Scripts: scriptPolicy(doc.Evidence, opt.AllowUnsafeScripts)}
	r.Remediation = PlanRemediation(doc, snap, opt.Fixes)
	if doc.Incident != nil {
		r.Incident = buildIncident(doc, snap, r.Remediation)
	}
	r.NotCollected = notCollected(doc, snap)
	var err error
	if r.Changes, err = ChangesOf(doc); err != nil {
		return nil, err
	}
	return r, nil
}

// ContainmentPlan returns the containment plan of the incident user named
// upn (as the incident context names them), or why none can be planned.
func (r *Report) ContainmentPlan(upn string) (*Containment, error) {
	if r.Doc.Incident == nil || r.Incident == nil {
		return nil, errors.New("the audit has no incident context (incident users and start)")
	}
	for _, p := range r.Incident.Plans {
		if !strings.EqualFold(strings.TrimSpace(p.User.Given), strings.TrimSpace(upn)) {
			continue
		}
		if p.Containment == nil {
			return nil, errors.New(p.PlanError)
		}
		return p.Containment, nil
	}
	return nil, fmt.Errorf("%q is not an incident user of this audit (%s)", upn, strings.Join(r.Doc.Incident.Users, ", "))
}
