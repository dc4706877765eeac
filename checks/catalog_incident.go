package checks

// incidentChecks are the incident (IR-*) checks.
func incidentChecks() []Check { return nil }
