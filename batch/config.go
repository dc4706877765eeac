// Package batch reads the tenants file of `m365audit batch`, selects a
// shard of it, limits Graph requests across tenants and writes the batch
// summary. The per-tenant pipeline (collect, audit, baseline, reports) is
// run by the CLI, which owns those steps.
package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings are one tenant's collect settings: every `collect` flag under its
// camelCase name, plus the audit configuration.
type Settings struct {
	Name             string   `yaml:"name" json:"name"`
	Tenant           string   `yaml:"tenant" json:"tenant"`
	Auth             string   `yaml:"auth" json:"auth,omitempty"`
	ClientID         string   `yaml:"clientId" json:"clientId,omitempty"`
	ClientSecret     string   `yaml:"clientSecret" json:"-"`
	Certificate      string   `yaml:"certificate" json:"certificate,omitempty"`
	Cloud            string   `yaml:"cloud" json:"cloud,omitempty"`
	GraphEndpoint    string   `yaml:"graphEndpoint" json:"graphEndpoint,omitempty"`
	ExchangeEndpoint string   `yaml:"exchangeEndpoint" json:"exchangeEndpoint,omitempty"`
	IncidentUser     []string `yaml:"incidentUser" json:"incidentUser,omitempty"`
	IncidentStart    string   `yaml:"incidentStart" json:"incidentStart,omitempty"`
	Concurrency      int      `yaml:"concurrency" json:"concurrency,omitempty"`
	// Config is the audit configuration file (breakGlass, accept, …).
	Config string `yaml:"config" json:"config,omitempty"`
}

// keys are the accepted keys of defaults and tenant entries.
var keys = map[string]bool{
	"name": true, "tenant": true, "auth": true, "clientId": true, "clientSecret": true, "certificate": true,
	"cloud": true, "graphEndpoint": true, "exchangeEndpoint": true, "incidentUser": true, "incidentStart": true,
	"concurrency": true, "config": true,
}

// File is a parsed tenants file: the tenants with defaults applied, in
// file order.
type File struct {
	Tenants []Settings
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Load reads and validates a tenants file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tenants file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a tenants file: a mapping with "defaults" (optional) and
// "tenants" (a list); unknown keys, duplicate names and missing tenants are
// errors naming the line.
func Parse(path string, data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a mapping with defaults and tenants", path)
	}
	root := doc.Content[0]
	var defaults Settings
	var tenantsNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "defaults":
			if err := decodeEntry(path, v, &defaults); err != nil {
				return nil, err
			}
			if defaults.Name != "" || defaults.Tenant != "" {
				return nil, fmt.Errorf("%s:%d: name and tenant belong to a tenant entry, not to defaults", path, v.Line)
			}
		case "tenants":
			tenantsNode = v
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q (want defaults and tenants)", path, k.Line, k.Value)
		}
	}
	if tenantsNode == nil || tenantsNode.Kind != yaml.SequenceNode || len(tenantsNode.Content) == 0 {
		return nil, fmt.Errorf("%s: no tenants (want a list under tenants:)", path)
	}
	f := &File{}
	seen := map[string]int{}
	for _, n := range tenantsNode.Content {
		s := defaults
		s.IncidentUser = append([]string(nil), defaults.IncidentUser...)
		var own Settings
		if err := decodeEntry(path, n, &own); err != nil {
			return nil, err
		}
		merge(&s, own, n)
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("%s:%d: tenant entry without name", path, n.Line)
		case !nameRE.MatchString(s.Name):
			return nil, fmt.Errorf("%s:%d: name %q: use lower-case letters, digits, '.', '_' and '-' (it names the output directory)", path, n.Line, s.Name)
		case s.Tenant == "":
			return nil, fmt.Errorf("%s:%d: tenant %q has no tenant (GUID or verified domain)", path, n.Line, s.Name)
		}
		if prev, dup := seen[s.Name]; dup {
			return nil, fmt.Errorf("%s:%d: name %q already used on line %d", path, n.Line, s.Name, prev)
		}
		seen[s.Name] = n.Line
		f.Tenants = append(f.Tenants, s)
	}
	return f, nil
}

// decodeEntry decodes one mapping, refusing unknown keys with their line.
func decodeEntry(path string, n *yaml.Node, s *Settings) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: want a mapping of settings", path, n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !keys[k.Value] {
			return fmt.Errorf("%s:%d: unknown key %q (known: %s)", path, k.Line, k.Value, strings.Join(knownKeys(), ", "))
		}
		v := n.Content[i+1]
		if k.Value == "incidentUser" && v.Kind == yaml.ScalarNode {
			// One user may be written without a list.
			v = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{v}, Line: v.Line}
			n.Content[i+1] = v
		}
	}
	if err := n.Decode(s); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: %s", path, strings.Join(te.Errors, "; "))
		}
		return fmt.Errorf("%s:%d: %w", path, n.Line, err)
	}
	return nil
}

// merge applies the keys present in a tenant entry over the defaults.
func merge(dst *Settings, own Settings, n *yaml.Node) {
	present := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		present[n.Content[i].Value] = true
	}
	set := func(k string, d *string, v string) {
		if present[k] {
			*d = v
		}
	}
	set("name", &dst.Name, own.Name)
	set("tenant", &dst.Tenant, own.Tenant)
	set("auth", &dst.Auth, own.Auth)
	set("clientId", &dst.ClientID, own.ClientID)
	set("clientSecret", &dst.ClientSecret, own.ClientSecret)
	set("certificate", &dst.Certificate, own.Certificate)
	set("cloud", &dst.Cloud, own.Cloud)
	set("graphEndpoint", &dst.GraphEndpoint, own.GraphEndpoint)
	set("exchangeEndpoint", &dst.ExchangeEndpoint, own.ExchangeEndpoint)
	set("incidentStart", &dst.IncidentStart, own.IncidentStart)
	set("config", &dst.Config, own.Config)
	if present["incidentUser"] {
		dst.IncidentUser = own.IncidentUser
	}
	if present["concurrency"] {
		dst.Concurrency = own.Concurrency
	}
}

func knownKeys() []string {
	var out []string
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Shard is one part of the tenant list: tenants whose position in the
// name-sorted list is Index modulo Count.
type Shard struct{ Index, Count int }

// ParseShard reads "I/N".
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 0/4", s)
	}
	a, err1 := strconv.Atoi(i)
	b, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || b < 1 || a < 0 || a >= b {
		return Shard{}, fmt.Errorf("--shard %q: want I/N with 0 <= I < N", s)
	}
	return Shard{a, b}, nil
}

// Select returns the tenants of the shard, sorted by name.
func (f *File) Select(sh Shard) []Settings {
	all := append([]Settings(nil), f.Tenants...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	if sh.Count <= 1 {
		return all
	}
	var out []Settings
	for i, t := range all {
		if i%sh.Count == sh.Index {
			out = append(out, t)
		}
	}
	return out
}
