package checks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the audit configuration file (--config, YAML), per DESIGN.md.
type Config struct {
	BreakGlass Principals            `yaml:"breakGlass" json:"breakGlass"`
	Exclusions map[string]Principals `yaml:"exclusions" json:"exclusions,omitempty"`
	Accept     []AcceptEntry         `yaml:"accept" json:"accept,omitempty"`
	Incident   *IncidentConfig       `yaml:"incident" json:"incident,omitempty"`

	// src is where the configuration and each of its entries were read
	// from, for the messages of ResolveConfig.
	src configSource
}

// configSource names a configuration file and the line of each entry
// ("breakGlass.users[0]", "exclusions.ENTRA-MFA-001.groups[1]",
// "accept[2]", "accept[2].objects[0]", "incident.users[0]").
type configSource struct {
	name  string
	lines map[string]int
}

// display is the file name for messages ("" for a configuration built in
// code).
func (s configSource) display() string {
	if s.name == "" {
		return "(built in)"
	}
	return s.name
}

// at is the "file:line: key: " prefix of a message about an entry.
func (s configSource) at(key string) string {
	if l, ok := s.lines[key]; ok && s.name != "" {
		return fmt.Sprintf("%s:%d: %s: ", s.name, l, key)
	}
	return key + ": "
}

// recordLines indexes the line of every entry of the document.
func (s *configSource) recordLines(doc *yaml.Node) {
	s.lines = map[string]int{}
	seq := func(prefix string, n *yaml.Node) {
		if n == nil || n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			s.lines[fmt.Sprintf("%s[%d]", prefix, i)] = item.Line
		}
	}
	principals := func(prefix string, n *yaml.Node) {
		f := mapFields(n)
		seq(prefix+".users", f["users"])
		seq(prefix+".groups", f["groups"])
	}
	f := mapFields(doc)
	principals("breakGlass", f["breakGlass"])
	if ex := f["exclusions"]; ex != nil && ex.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ex.Content); i += 2 {
			principals("exclusions."+ex.Content[i].Value, ex.Content[i+1])
		}
	}
	if acc := f["accept"]; acc != nil && acc.Kind == yaml.SequenceNode {
		for i, item := range acc.Content {
			key := fmt.Sprintf("accept[%d]", i)
			s.lines[key] = item.Line
			seq(key+".objects", mapFields(item)["objects"])
		}
	}
	if inc := f["incident"]; inc != nil {
		seq("incident.users", mapFields(inc)["users"])
	}
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

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig decodes and validates a YAML configuration. Unknown keys, bad
// values, unknown check IDs and incomplete acceptances are errors naming
// the file and line; nothing is silently ignored. name is used in messages.
func ParseConfig(data []byte, name string) (*Config, error) {
	cfg := &Config{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if len(bytes.TrimSpace(data)) == 0 || root.Kind == 0 || docMapping(&root) == nil && len(root.Content) > 0 && root.Content[0].Tag == "!!null" {
		return nil, fmt.Errorf("config %s:1: the file is empty; give at least one of %s (or leave out --config)", name, configKeys["Config"])
	}
	// Dates first: the typed decoder reports a bad time without its line.
	var dateProblems []string
	checkDate := func(n *yaml.Node, what string) {
		if n == nil || n.Tag == "!!null" {
			return
		}
		var tm time.Time
		if err := n.Decode(&tm); err != nil {
			dateProblems = append(dateProblems, fmt.Sprintf("%s:%d: %s: %q is not a date (use YYYY-MM-DD or RFC 3339)", name, n.Line, what, n.Value))
		}
	}
	if top := docMapping(&root); top != nil {
		f := mapFields(top)
		if acc, ok := f["accept"]; ok && acc.Kind == yaml.SequenceNode {
			for i, item := range acc.Content {
				checkDate(mapFields(item)["expires"], fmt.Sprintf("accept[%d].expires", i))
			}
		}
		if inc, ok := f["incident"]; ok {
			checkDate(mapFields(inc)["start"], "incident.start")
		}
	}
	if len(dateProblems) > 0 {
		return nil, fmt.Errorf("config %s: %d problem(s):\n  %s", name, len(dateProblems), strings.Join(dateProblems, "\n  "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s:1: the file is empty; give at least one of %s (or leave out --config)", name, configKeys["Config"])
		}
		return nil, yamlError(name, err)
	}
	type problem struct {
		line int
		msg  string
	}
	var problems []problem
	add := func(line int, format string, a ...any) {
		problems = append(problems, problem{line, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))})
	}
	known := map[string]bool{}
	for _, c := range All() {
		known[c.ID] = true
	}
	doc := docMapping(&root)
	if doc == nil {
		return nil, fmt.Errorf("config %s:%d: the top level must be a mapping (breakGlass, exclusions, accept, incident)", name, root.Line)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		switch key.Value {
		case "breakGlass":
			checkPrincipals(val, "breakGlass", add)
		case "exclusions":
			if val.Kind != yaml.MappingNode {
				if val.Tag != "!!null" {
					add(val.Line, "exclusions must be a mapping of check ID to {users, groups}")
				}
				continue
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				k := val.Content[j]
				if !known[k.Value] {
					add(k.Line, "exclusions: unknown check ID %q", k.Value)
				}
				checkPrincipals(val.Content[j+1], "exclusions."+k.Value, add)
			}
		case "accept":
			if val.Kind != yaml.SequenceNode {
				if val.Tag != "!!null" {
					add(val.Line, "accept must be a list of {check, objects, reason, owner, expires}")
				}
				continue
			}
			for n, item := range val.Content {
				fields := mapFields(item)
				where := fmt.Sprintf("accept[%d]", n)
				if f, ok := fields["check"]; !ok || strings.TrimSpace(f.Value) == "" {
					add(item.Line, "%s: check is required", where)
				} else if !known[f.Value] {
					add(f.Line, "%s: unknown check ID %q", where, f.Value)
				}
				for _, req := range []string{"reason", "owner", "expires"} {
					if f, ok := fields[req]; !ok || strings.TrimSpace(f.Value) == "" {
						add(item.Line, "%s: %s is required (an acceptance needs a reason, an owner and an expiry date)", where, req)
					}
				}
				if f, ok := fields["objects"]; ok {
					for _, o := range f.Content {
						if strings.TrimSpace(o.Value) == "" {
							add(o.Line, "%s: empty object", where)
						}
					}
				}
			}
		case "incident":
			if val.Tag == "!!null" {
				continue
			}
			fields := mapFields(val)
			if f, ok := fields["users"]; !ok || len(f.Content) == 0 {
				add(val.Line, "incident: users is required (the compromised users' UPNs or object ids)")
			}
			if f, ok := fields["start"]; !ok || strings.TrimSpace(f.Value) == "" {
				add(val.Line, "incident: start is required (RFC 3339 time the compromise began)")
			}
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.msg
		}
		return nil, fmt.Errorf("config %s: %d problem(s):\n  %s", name, len(problems), strings.Join(msgs, "\n  "))
	}
	cfg.src.name = name
	cfg.src.recordLines(doc)
	return cfg, nil
}

// docMapping returns the top-level mapping of a document, or nil.
func docMapping(root *yaml.Node) *yaml.Node {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	return doc
}

// mapFields indexes a mapping node's values by key.
func mapFields(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

func checkPrincipals(n *yaml.Node, where string, add func(int, string, ...any)) {
	for k, v := range mapFields(n) {
		for _, item := range v.Content {
			if strings.TrimSpace(item.Value) == "" {
				add(item.Line, "%s.%s: empty entry", where, k)
			}
		}
	}
}

// configKeys are the keys each part of the configuration allows, by the Go
// type the YAML decoder names in its errors.
var configKeys = map[string]string{
	"Config":         "breakGlass, exclusions, accept, incident",
	"Principals":     "users, groups",
	"AcceptEntry":    "check, objects, reason, owner, expires",
	"IncidentConfig": "users, start",
}

// configShapes says what a value of each Go type looks like in the file.
var configShapes = map[string]string{
	"[]string":                     "a list, e.g. [a, b]",
	"string":                       "a single value",
	"checks.Principals":            "a mapping {users: [...], groups: [...]}",
	"map[string]checks.Principals": "a mapping of check ID to {users: [...], groups: [...]}",
	"[]checks.AcceptEntry":         "a list of {check, objects, reason, owner, expires}",
	"checks.AcceptEntry":           "a mapping {check, objects, reason, owner, expires}",
	"checks.IncidentConfig":        "a mapping {users: [...], start: RFC 3339 time}",
	"checks.Config":                "a mapping with " + "breakGlass, exclusions, accept, incident",
}

var (
	yamlFieldRE = regexp.MustCompile(`^line (\d+): field (.+) not found in type [\w.]*?(\w+)$`)
	yamlTypeRE  = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	yamlLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.+)$`)
)

// yamlError rewrites a YAML decoder error in the file:line form: what is
// wrong and what is allowed, never the decoder's Go type names.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, e := range te.Errors {
			msgs = append(msgs, yamlProblem(name, e))
		}
		return fmt.Errorf("config %s: %d problem(s):\n  %s", name, len(msgs), strings.Join(msgs, "\n  "))
	}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("config %s:%s: not valid YAML: %s", name, m[1], m[2])
	}
	return fmt.Errorf("config %s:1: not valid YAML: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
}

func yamlProblem(name, e string) string {
	if m := yamlFieldRE.FindStringSubmatch(e); m != nil {
		allowed := configKeys[m[3]]
		if allowed == "" {
			allowed = "see the README"
		}
		return fmt.Sprintf("%s:%s: unknown key %q; allowed here: %s", name, m[1], m[2], allowed)
	}
	if m := yamlTypeRE.FindStringSubmatch(e); m != nil {
		shape := configShapes[m[4]]
		if shape == "" {
			shape = "another kind of value"
		}
		got := map[string]string{"str": "a single value", "seq": "a list", "map": "a mapping", "int": "a number", "bool": "true/false", "float": "a number", "timestamp": "a date"}[m[2]]
		if got == "" {
			got = "a value"
		}
		if m[3] != "" {
			got += fmt.Sprintf(" (%q)", m[3])
		}
		return fmt.Sprintf("%s:%s: %s where %s is expected", name, m[1], got, shape)
	}
	return fmt.Sprintf("%s: %s", name, e)
}
