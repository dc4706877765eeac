package checks

// entraChecks are the Entra ID checks that do not evaluate Conditional Access.
func entraChecks() []Check { return nil }
