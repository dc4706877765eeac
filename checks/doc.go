// Package checks evaluates a snapshot offline: the check engine, the shared
// Conditional Access evaluation, configuration, licences, score, and the
// catalogue (IDs from the project catalogue, verdicts per docs/semantics.md).
//
// It imports collectors/snapshot and nothing else of collectors, and never
// touches the network or the clock (time comes from the snapshot).
package checks
