package model

import (
	"errors"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/internal/phrase"
)

// EvidenceState is the snapshot's chain-of-custody state in words every
// report prints the same way.
type EvidenceState struct {
	// Digest is the SHA-256 of the snapshot's manifest ("" when unknown).
	Digest string
	// Signature says whether the manifest was signed and the signature
	// verified: "verified with key …", "signed, not verified", "not signed".
	Signature string
	// Verified: the signature was checked against the key given to audit.
	Verified bool
	// Trusted: neither tampered nor incomplete.
	Trusted bool
	// Warnings say what makes the snapshot untrusted, one sentence each.
	Warnings []string
}

func evidenceState(e checks.Evidence) EvidenceState {
	s := EvidenceState{Digest: e.Digest, Verified: e.Verified, Trusted: e.Trusted()}
	switch {
	case e.Signed && e.Verified && e.KeyFingerprint != "":
		s.Signature = "signed, verified with key " + e.KeyFingerprint
	case e.Signed && e.Verified:
		s.Signature = "signed, verified"
	case e.Signed:
		s.Signature = "signed, signature not verified (no key given to the audit)"
	default:
		s.Signature = "not signed"
	}
	if e.Tampered {
		s.Warnings = append(s.Warnings, "Snapshot files failed verification and were audited anyway: the findings may not describe the tenant.")
	}
	if e.Incomplete {
		s.Warnings = append(s.Warnings, "The collection was interrupted and the incomplete snapshot was audited anyway: checks over the missing data are not evaluated.")
	}
	return s
}

// ScriptPolicy says whether scripts that change the tenant (remediation.ps1,
// incident-*.ps1) may be written, and how.
type ScriptPolicy struct {
	// Refused is set when the snapshot is not trusted and no override was
	// given: the scripts are not written, and Refused says why.
	Refused error
	// Unsafe is set when the snapshot is not trusted and the override was
	// given: each script starts with Banner and a throw the admin must
	// remove by hand.
	Unsafe bool
	Banner []string
}

// ErrUntrustedScripts is wrapped by ScriptPolicy.Refused.
var ErrUntrustedScripts = errors.New("scripts that change the tenant are not written from a tampered or incomplete snapshot")

func scriptPolicy(e checks.Evidence, allow bool) ScriptPolicy {
	if e.Trusted() {
		return ScriptPolicy{}
	}
	var why []string
	if e.Tampered {
		why = append(why, "files of the snapshot failed verification (tampered or damaged)")
	}
	if e.Incomplete {
		why = append(why, "the collection was interrupted (incomplete snapshot)")
	}
	if !allow {
		return ScriptPolicy{Refused: &refusal{why: phrase.AndList(why)}}
	}
	return ScriptPolicy{Unsafe: true, Banner: []string{
		"WARNING: THIS SCRIPT WAS GENERATED FROM A SNAPSHOT THAT IS NOT TRUSTED: " + phrase.AndList(why) + ".",
		"Its changes may not match the tenant, and objects the audit could not see are not handled. It was written only because --allow-unsafe-scripts was given.",
		"Check every change against the tenant, then delete the 'throw' line after the param block to make the script runnable.",
	}}
}

type refusal struct{ why string }

func (r *refusal) Error() string {
	return ErrUntrustedScripts.Error() + " (" + r.why + "); collect again, or give --allow-unsafe-scripts to write them with a warning banner and a throw you must remove by hand"
}

func (r *refusal) Unwrap() error { return ErrUntrustedScripts }
