// Package snapshot is the contract between collection and audit: a manifest
// plus one file per dataset holding the raw JSON objects exactly as Microsoft
// Graph or the Exchange admin API returned them.
//
// A snapshot is a directory, or the same files in a .zip. Loading verifies the
// schema version and the SHA-256 of every dataset file; a tampered, truncated
// or missing file is refused with an error naming the file.
//
// Typed accessors (Users, ConditionalAccessPolicies, CASMailboxes, …) decode
// only the fields checks need. A dataset that was not collected can never be
// read as empty: its accessor returns a *NotCollectedError carrying the status
// and reason recorded at collection time.
//
// This package imports no SDK and nothing else of collectors; checks and report
// import it and nothing else of collectors.
package snapshot
