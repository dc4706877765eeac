// Package pwsh writes PowerShell scripts: remediation.ps1 (the fixes for a
// results document, WriteRemediation) and the pieces other scripts reuse.
//
// Tenant data is hostile input. It enters a script only through Quote (or
// Lit/LitList, which call it): a single-quoted literal with every quote
// character doubled, including the typographic ‘ ’ ‚ ‛ that PowerShell also
// treats as quotes. It never goes into a double-quoted string, an expanding
// here-string, or a comment. Script lines take Code arguments, so a plain
// string variable cannot be written into a script without an explicit
// conversion.
//
// Building another script (for example incident-<user>.ps1) from the same
// pieces:
//
//	body := &pwsh.Script{}
//	body.WritePrelude(true, false)            // change log, Graph helpers
//	body.WriteConnect(pwsh.Connection{...})   // connect + tenant guard (throws before any change)
//	body.Region("IR-USR-002", "Contain the account", func() {
//		body.Try("IR-USR-002", pwsh.Lit(upn), func() {
//			body.Change(pwsh.Change{CheckID: "IR-USR-002", Target: pwsh.Lit(upn), Action: "Revoke sessions",
//				Apply: func() { body.Line("Invoke-MgGraphRequest -Method POST -Uri ('/v1.0/users/' + [uri]::EscapeDataString(%s) + '/revokeSignInSessions') | Out-Null", pwsh.Lit(id)) }})
//		})
//	})
//	body.WriteFinish("incident-log", false)  // summary + JSON change log
//	out, err := pwsh.Assemble(header, conn.Modules(), body) // BOM, #Requires, help, param block
//
// WriteContainment builds incident-<user>.ps1 this way: the containment
// script for one compromised account, acting only on the objects the
// incident checks attributed to the attacker (Affected.Attributed).
// ContainmentActions returns the same plan as a list, for reports.
//
// Every change goes through Script.Change, which wraps it in
// if ($PSCmdlet.ShouldProcess(target, action)) and logs it, so -WhatIf lists
// it and -Confirm asks for it.
package pwsh
