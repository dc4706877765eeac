package checks

// Categories and benchmark prints the checks' metadata share.

// Categories of the CA-based checks.
const (
	categoryCA       = "Conditional Access"
	categoryIdentity = "Identity & MFA"
)

// cisV5 is the CIS benchmark print the CIS numbers below are taken from
// (numbering is stable from v4 to v7 for these controls).
const cisV5 = "v5.0.0"

// Categories of the Exchange Online checks.
const (
	exoCategoryProtocols = "Exchange Online — protocols & forwarding"
	exoCategoryAuditing  = "Mailbox auditing"
)

// exoCIS is the CIS benchmark print the Exchange references are numbered
// against (numbering of these controls is stable v4–v7 unless noted).
const exoCIS = "v5.0.0"

// entraCIS is the CIS benchmark version the Entra references are numbered
// against (the numbering used is stable v4–v7 unless the catalogue says
// otherwise).
const entraCIS = "v5.0.0"

// Categories of the Entra ID checks.
const (
	entraCatIdentity = "Identity & MFA"
	entraCatGuests   = "Guests & external collaboration"
	entraCatApps     = "Apps & consent"
	entraCatPriv     = "Privileged access"
)

// categoryIncident is the category of the incident (IR-*) checks.
const categoryIncident = "Incident"
