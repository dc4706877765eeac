// Package pwsh writes PowerShell scripts: remediation.ps1 (the fixes for a
// results document) and the building blocks other scripts reuse (Quote, the
// Script builder, the header with #Requires and a tenant guard, and the
// JSON change log).
//
// Tenant data is hostile input. It enters a script only through Quote/Lit,
// as a single-quoted literal with every quote character doubled, never in a
// double-quoted string, an expanding here-string, or a comment.
package pwsh
