package checks

import (
	"encoding/json"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// ResultsSchemaVersion is the version of the results document.
const ResultsSchemaVersion = 1

// Status is a check's verdict.
type Status string

// Statuses, per DESIGN.md.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusWarn          Status = "warn"           // partly done, e.g. report-only policy
	StatusManual        Status = "manual"         // needs a person
	StatusNotApplicable Status = "not_applicable" // licence or feature absent
	StatusUnknown       Status = "unknown"        // data not collected; the summary says why
	StatusError         Status = "error"          // the check itself failed (a bug)
)

// Statuses lists every status in report order (worst first).
func Statuses() []Status {
	return []Status{StatusFail, StatusWarn, StatusManual, StatusUnknown, StatusError, StatusNotApplicable, StatusPass}
}

// Severity ranks how much a failing check matters.
type Severity string

// Severities.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, most severe first.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}
}

// Rank orders severities: critical 0 … info 4; unknown values sort last.
func (s Severity) Rank() int {
	for i, v := range Severities() {
		if v == s {
			return i
		}
	}
	return len(Severities())
}

// References are the external controls a check maps to.
type References struct {
	CIS        []string `json:"cis,omitempty"`
	CISVersion string   `json:"cisVersion,omitempty"`
	SCuBA      []string `json:"scuba,omitempty"`
	Other      []string `json:"other,omitempty"`
}

// Remediation says how to fix a failing check.
type Remediation struct {
	Summary string `json:"summary"`
	// Steps is the manual procedure (portal path or commands).
	Steps []string `json:"steps,omitempty"`
	// Script is true when remediation.ps1 carries a block for this check.
	Script bool `json:"script"`
}

// Affected is one tenant object a result is about.
type Affected struct {
	// Kind names the object type: user, guest, policy, mailbox, inboxRule,
	// authMethod, grant, servicePrincipal, application, roleAssignment, …
	Kind   string `json:"kind,omitempty"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Detail string `json:"detail,omitempty"`
	// Time and Actor are set on incident evidence: when it happened, who did it.
	Time  *time.Time `json:"time,omitempty"`
	Actor string     `json:"actor,omitempty"`
	// Attributed marks incident objects attributed to the attacker (done by
	// an incident user inside the window); the containment script acts on
	// these and nothing else. Others are listed for review.
	Attributed bool `json:"attributed,omitempty"`
	// Typed evidence (evidence.go): set by kind, read by plans and writers.
	User       *UserRef            `json:"user,omitempty"`
	SignIn     *SignInEvidence     `json:"signIn,omitempty"`
	Grant      *GrantEvidence      `json:"grant,omitempty"`
	Method     *MethodEvidence     `json:"method,omitempty"`
	InboxRule  *InboxRuleEvidence  `json:"inboxRule,omitempty"`
	Exchange   *ExchangeObject     `json:"exchange,omitempty"`
	Credential *CredentialEvidence `json:"credential,omitempty"`
	Owner      *OwnerEvidence      `json:"owner,omitempty"`
	Roles      *RoleEvidence       `json:"roles,omitempty"`
	// Mail blast radius (IR-MAIL-*, IR-INB-002, IR-MBX-003).
	Message         *MessageEvidence         `json:"message,omitempty"`
	RuleHistory     *RuleHistory             `json:"ruleHistory,omitempty"`
	MailboxActivity *MailboxActivityEvidence `json:"mailboxActivity,omitempty"`
	// AuditEvent is the unified audit log event that made the change
	// the row shows (IR-MBX-001: the Set-Mailbox that set forwarding).
	AuditEvent *AuditEvent `json:"auditEvent,omitempty"`
	// PolicyState is a Conditional Access policy's state.
	PolicyState string `json:"policyState,omitempty"`
	// Accepted is set when a config acceptance covers this object.
	Accepted bool `json:"accepted,omitempty"`
}

// Acceptance records an accepted risk applied to a result.
type Acceptance struct {
	Reason  string   `json:"reason"`
	Owner   string   `json:"owner"`
	Expires string   `json:"expires"`
	Objects []string `json:"objects,omitempty"`
	// Expired acceptances no longer count; they are shown so they get renewed.
	Expired bool `json:"expired,omitempty"`
}

// Result is the outcome of one check against one snapshot. It repeats the
// check's metadata so results.json is self-contained for rendering.
type Result struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Category    string      `json:"category"`
	Severity    Severity    `json:"severity"`
	Status      Status      `json:"status"`
	Summary     string      `json:"summary"`
	Rationale   string      `json:"rationale,omitempty"`
	References  References  `json:"references"`
	Datasets    []string    `json:"datasets,omitempty"`
	Affected    []Affected  `json:"affected"`
	Remediation Remediation `json:"remediation"`
	// Accepted is set when the config accepts this risk (still evaluated).
	Accepted *Acceptance `json:"accepted,omitempty"`
	// Incident marks incident (IR-*) checks.
	Incident bool `json:"incident,omitempty"`
}

// NotRunReason says why an audit did not run a check of its catalogue.
type NotRunReason string

// NotRunNoIncident: an incident check, and the audit had no incident
// (no incident user given).
const NotRunNoIncident NotRunReason = "noIncident"

// NotRun is a check of the catalogue that an audit did not run.
type NotRun struct {
	ID     string       `json:"id"`
	Reason NotRunReason `json:"reason"`
}

// IsAccepted reports whether an unexpired acceptance covers the result.
func (r Result) IsAccepted() bool { return r.Accepted != nil && !r.Accepted.Expired }

// Document is results.json.
type Document struct {
	SchemaVersion int             `json:"schemaVersion"`
	Tool          snapshot.Tool   `json:"tool"`
	Tenant        snapshot.Tenant `json:"tenant"`
	Cloud         string          `json:"cloud,omitempty"`
	CollectedAt   time.Time       `json:"collectedAt"`
	GeneratedAt   time.Time       `json:"generatedAt"`
	Licences      Licences        `json:"licences"`
	Score         Score           `json:"score"`
	Coverage      Coverage        `json:"coverage"`
	Incident      *IncidentInfo   `json:"incident,omitempty"`
	// Integrity lists snapshot files that failed verification and were
	// audited anyway (override flag); empty on a verified snapshot.
	Integrity []snapshot.IntegrityProblem `json:"integrity,omitempty"`
	// Evidence is the snapshot's chain-of-custody state: digest, signature,
	// completeness. Every report shows it.
	Evidence Evidence `json:"evidence"`
	Results  []Result `json:"results"`
	// NotRun lists the checks of this tool version the audit did not run,
	// and why (incident checks without an incident). A check absent from
	// both Results and NotRun is not in this tool version.
	NotRun []NotRun `json:"notRun,omitempty"`
	// Changes is what changed since the baseline audit (audit --baseline):
	// the diff document of report/diff without its schemaVersion. Absent
	// without a baseline.
	Changes json.RawMessage `json:"changes,omitempty"`
}

// Licences are the Entra ID licences the tenant holds, from subscribedSkus.
type Licences struct {
	// Known is false when subscribedSkus was not collected.
	Known bool `json:"known"`
	P1    bool `json:"entraIdP1"`
	P2    bool `json:"entraIdP2"`
}

// Score is the severity-weighted score over evaluated checks.
type Score struct {
	Percent float64 `json:"percent"`
	// Earned and Possible are the weighted points behind Percent.
	Earned   float64 `json:"earned"`
	Possible float64 `json:"possible"`
	// Counts by status, and failing counts by severity.
	ByStatus       map[Status]int   `json:"byStatus"`
	FailBySeverity map[Severity]int `json:"failBySeverity"`
	Accepted       int              `json:"accepted"`
	Evaluated      int              `json:"evaluated"`
	Total          int              `json:"total"`
	Formula        string           `json:"formula"`
}

// Coverage says what could not be evaluated, and why.
type Coverage struct {
	Evaluated    int               `json:"evaluated"`
	NotEvaluable int               `json:"notEvaluable"`
	Datasets     []DatasetCoverage `json:"datasets"`
}

// DatasetCoverage is one dataset's collection status and the checks that
// depend on it.
type DatasetCoverage struct {
	ID     string          `json:"id"`
	Status snapshot.Status `json:"status"`
	Reason string          `json:"reason,omitempty"`
	Count  int             `json:"count"`
	Checks []string        `json:"checks,omitempty"`
	// Omitted lists the properties the collector left out of every object
	// (snapshot.DatasetInfo.Omitted), e.g. signInActivity on users.
	Omitted []string `json:"omitted,omitempty"`
}

// IncidentInfo is the incident context of an audit.
type IncidentInfo struct {
	Users []string  `json:"users"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Evidence is the chain-of-custody state of the audited snapshot.
type Evidence struct {
	// Digest is the SHA-256 of manifest.json (which holds every dataset's
	// hash), hex-encoded.
	Digest string `json:"digest,omitempty"`
	// Signed is true when the manifest carries an Ed25519 signature;
	// Verified when it was checked against the key given to audit, and
	// KeyFingerprint names that key.
	Signed         bool   `json:"signed"`
	Verified       bool   `json:"verified"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	// Incomplete is true when the collection was interrupted and the audit
	// was allowed anyway (--allow-incomplete); Tampered when files failed
	// verification and the audit was allowed anyway (--allow-tampered).
	Incomplete bool `json:"incomplete,omitempty"`
	Tampered   bool `json:"tampered,omitempty"`
}

// Trusted reports whether scripts that change the tenant may be written
// from this document without an explicit override.
func (e Evidence) Trusted() bool { return !e.Incomplete && !e.Tampered }
