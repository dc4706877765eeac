package tenantsim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// filter is a parsed $filter: comparisons joined by "and". It understands
// what the collectors send (userType eq 'Guest', activityDateTime ge
// <datetime>, …) and rejects anything else with 400, as Graph does for
// unsupported queries, rather than silently ignoring it.
type filter []clause

type clause struct {
	path []string // property path, "status/errorCode" -> [status errorCode]
	op   string   // eq ne ge gt le lt
	lit  literal
}

type literal struct {
	kind string // string bool null number datetime
	s    string
	b    bool
	n    float64
	t    time.Time
}

func parseFilter(src string) (filter, error) {
	toks, err := lexFilter(src)
	if err != nil {
		return nil, err
	}
	var f filter
	for i := 0; ; {
		if i+3 > len(toks) {
			return nil, fmt.Errorf("Invalid filter clause: unsupported or incomplete expression %q.", src)
		}
		prop, op, val := toks[i], strings.ToLower(toks[i+1].text), toks[i+2]
		if prop.quoted || !isIdentPath(prop.text) {
			return nil, fmt.Errorf("Invalid filter clause: %q is not a property.", prop.text)
		}
		switch op {
		case "eq", "ne", "ge", "gt", "le", "lt":
		default:
			return nil, fmt.Errorf("Invalid filter clause: operator %q is not supported.", toks[i+1].text)
		}
		lit, err := parseLiteral(val)
		if err != nil {
			return nil, err
		}
		if (op == "ge" || op == "gt" || op == "le" || op == "lt") && lit.kind != "datetime" && lit.kind != "number" {
			return nil, fmt.Errorf("Invalid filter clause: %s needs a date-time or number, got %q.", op, val.text)
		}
		f = append(f, clause{path: strings.Split(prop.text, "/"), op: op, lit: lit})
		i += 3
		if i == len(toks) {
			return f, nil
		}
		if strings.ToLower(toks[i].text) != "and" || toks[i].quoted {
			return nil, fmt.Errorf("Invalid filter clause: %q is not supported (only 'and' joins comparisons).", toks[i].text)
		}
		i++
	}
}

type token struct {
	text   string
	quoted bool
}

func lexFilter(src string) ([]token, error) {
	var toks []token
	r := []rune(src)
	for i := 0; i < len(r); {
		switch {
		case r[i] == ' ' || r[i] == '\t':
			i++
		case r[i] == '\'':
			var sb strings.Builder
			i++
			closed := false
			for i < len(r) {
				if r[i] == '\'' {
					if i+1 < len(r) && r[i+1] == '\'' {
						sb.WriteRune('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				sb.WriteRune(r[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("Invalid filter clause: unterminated string literal in %q.", src)
			}
			toks = append(toks, token{text: sb.String(), quoted: true})
		case r[i] == '(' || r[i] == ')' || r[i] == ',':
			return nil, fmt.Errorf("Invalid filter clause: functions and grouping are not supported in %q.", src)
		default:
			j := i
			for j < len(r) && r[j] != ' ' && r[j] != '\t' && r[j] != '(' && r[j] != ')' && r[j] != '\'' {
				j++
			}
			toks = append(toks, token{text: string(r[i:j])})
			i = j
		}
	}
	return toks, nil
}

func isIdentPath(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, "/") {
		if part == "" {
			return false
		}
		for i, c := range part {
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

func parseLiteral(t token) (literal, error) {
	if t.quoted {
		return literal{kind: "string", s: t.text}, nil
	}
	switch strings.ToLower(t.text) {
	case "true", "false":
		return literal{kind: "bool", b: strings.EqualFold(t.text, "true")}, nil
	case "null":
		return literal{kind: "null"}, nil
	}
	if tm, err := time.Parse(time.RFC3339Nano, t.text); err == nil {
		return literal{kind: "datetime", t: tm}, nil
	}
	if n, err := strconv.ParseFloat(t.text, 64); err == nil {
		return literal{kind: "number", n: n}, nil
	}
	return literal{}, fmt.Errorf("Invalid filter clause: %q is not a literal.", t.text)
}

// checkProperties refuses a filter on a property no item has, as Graph
// refuses a property its schema lacks ("Could not find a property named …"),
// so a typo in a collector's filter is not mistaken for "no matches".
func (f filter) checkProperties(items []json.RawMessage) error {
	if len(items) == 0 {
		return nil
	}
	for _, c := range f {
		found := false
		for _, it := range items {
			var obj map[string]any
			if json.Unmarshal(it, &obj) != nil {
				continue
			}
			if _, ok := lookup(obj, c.path[:1]); ok {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("Could not find a property named '%s' on the items of this collection.", c.path[0])
		}
	}
	return nil
}

// match reports whether a raw object satisfies every clause.
func (f filter) match(raw json.RawMessage) (bool, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return false, nil
	}
	for _, c := range f {
		v, present := lookup(obj, c.path)
		if !c.eval(v, present) {
			return false, nil
		}
	}
	return true, nil
}

func lookup(obj map[string]any, path []string) (any, bool) {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[p]
		if !ok {
			// Property names in OData filters are case-insensitive in Graph.
			for k, vv := range m {
				if strings.EqualFold(k, p) {
					v, ok = vv, true
					break
				}
			}
		}
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}

func (c clause) eval(v any, present bool) bool {
	switch c.lit.kind {
	case "null":
		isNull := !present || v == nil
		if c.op == "eq" {
			return isNull
		}
		return c.op == "ne" && !isNull
	case "string":
		s, ok := v.(string)
		eq := ok && strings.EqualFold(s, c.lit.s)
		return c.op == "eq" && eq || c.op == "ne" && !eq
	case "bool":
		b, ok := v.(bool)
		eq := ok && b == c.lit.b
		return c.op == "eq" && eq || c.op == "ne" && !eq
	case "number":
		n, ok := v.(float64)
		if !ok {
			return c.op == "ne"
		}
		return cmp(compareFloat(n, c.lit.n), c.op)
	case "datetime":
		s, ok := v.(string)
		if !ok {
			return c.op == "ne"
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return c.op == "ne"
		}
		return cmp(tm.Compare(c.lit.t), c.op)
	}
	return false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmp(r int, op string) bool {
	switch op {
	case "eq":
		return r == 0
	case "ne":
		return r != 0
	case "ge":
		return r >= 0
	case "gt":
		return r > 0
	case "le":
		return r <= 0
	case "lt":
		return r < 0
	}
	return false
}
