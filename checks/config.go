package checks

import "time"

// Config is the audit configuration file (--config, YAML), per DESIGN.md.
type Config struct {
	BreakGlass Principals            `yaml:"breakGlass" json:"breakGlass"`
	Exclusions map[string]Principals `yaml:"exclusions" json:"exclusions,omitempty"`
	Accept     []AcceptEntry         `yaml:"accept" json:"accept,omitempty"`
	Incident   *IncidentConfig       `yaml:"incident" json:"incident,omitempty"`
}

// Principals are users (object id or UPN) and groups (object id).
type Principals struct {
	Users  []string `yaml:"users" json:"users,omitempty"`
	Groups []string `yaml:"groups" json:"groups,omitempty"`
}

// AcceptEntry is an accepted risk: still evaluated and shown, scored apart,
// and no longer counted once expired.
type AcceptEntry struct {
	Check   string    `yaml:"check" json:"check"`
	Objects []string  `yaml:"objects" json:"objects,omitempty"`
	Reason  string    `yaml:"reason" json:"reason"`
	Owner   string    `yaml:"owner" json:"owner"`
	Expires time.Time `yaml:"expires" json:"expires"`
}

// IncidentConfig is the incident block of the config file.
type IncidentConfig struct {
	Users []string  `yaml:"users" json:"users"`
	Start time.Time `yaml:"start" json:"start"`
}
