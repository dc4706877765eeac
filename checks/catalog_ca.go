package checks

// caChecks are the checks judged on Conditional Access (and security
// defaults).
func caChecks() []Check { return nil }
