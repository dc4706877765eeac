package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// logDatasets are activity logs, not configuration: they are never
// compared object by object.
var logDatasets = map[string]bool{
	snapshot.DSDirectoryAudits: true,
	snapshot.DSSignIns:         true,
	snapshot.DSRiskDetections:  true,
}

// ComparedDataset reports whether a dataset's objects are compared (every
// configuration dataset; not the sign-in and audit logs).
func ComparedDataset(id string) bool { return !logDatasets[id] }

func shapes() map[string]snapshot.Shape {
	m := map[string]snapshot.Shape{}
	for _, s := range snapshot.Specs() {
		m[s.ID] = s.Shape
	}
	return m
}

// compareSnapshots compares every configuration dataset of two snapshots.
// A dataset with data on one side only is a coverage change.
func compareSnapshots(old, new *snapshot.Snapshot) ([]ObjectChange, []DatasetChange, error) {
	ids := map[string]bool{}
	for id := range old.Manifest.Datasets {
		ids[id] = true
	}
	for id := range new.Manifest.Datasets {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		if ComparedDataset(id) {
			sorted = append(sorted, id)
		}
	}
	sort.Strings(sorted)
	sh := shapes()
	on, nn := newNamer(old), newNamer(new)
	objects := []ObjectChange{}
	datasets := []DatasetChange{}
	for _, id := range sorted {
		oi, ni := old.Info(id), new.Info(id)
		if !oi.Status.HasData() || !ni.Status.HasData() {
			if oi.Status.HasData() != ni.Status.HasData() {
				datasets = append(datasets, DatasetChange{Dataset: id, From: oi.Status, To: ni.Status, FromReason: oi.Reason, ToReason: ni.Reason})
			}
			continue
		}
		ob, err := old.Raw(id)
		if err != nil {
			return nil, nil, err
		}
		nb, err := new.Raw(id)
		if err != nil {
			return nil, nil, err
		}
		if bytes.Equal(ob, nb) {
			continue
		}
		oo, err := split(id, sh[id], ob)
		if err != nil {
			return nil, nil, fmt.Errorf("old snapshot: %w", err)
		}
		no, err := split(id, sh[id], nb)
		if err != nil {
			return nil, nil, fmt.Errorf("new snapshot: %w", err)
		}
		ch, err := compareObjects(id, oo, no, on, nn)
		if err != nil {
			return nil, nil, err
		}
		objects = append(objects, ch...)
	}
	return objects, datasets, nil
}

// object is one raw object of a dataset with its identity.
type object struct {
	id  string
	raw json.RawMessage
}

// identity holds the fields that identify an object across the APIs.
type identity struct {
	ID       json.RawMessage `json:"id"`
	Guid     json.RawMessage `json:"Guid"`
	ExtID    json.RawMessage `json:"ExternalDirectoryObjectId"`
	Identity json.RawMessage `json:"Identity"`
	Name     json.RawMessage `json:"Name"`
}

func str(r json.RawMessage) string {
	var s string
	if len(r) > 0 && r[0] == '"' && json.Unmarshal(r, &s) == nil {
		return s
	}
	return ""
}

func objectID(raw json.RawMessage) string {
	var id identity
	_ = json.Unmarshal(raw, &id) // a field of another type just leaves it empty
	for _, r := range []json.RawMessage{id.ID, id.Guid, id.ExtID, id.Identity, id.Name} {
		if s := str(r); s != "" {
			return s
		}
	}
	return ""
}

// split turns a dataset file into its identified objects, sorted by id.
func split(dataset string, shape snapshot.Shape, data []byte) ([]object, error) {
	trim := bytes.TrimSpace(data)
	if shape == "" {
		shape = snapshot.ShapeObject
		if len(trim) > 0 && trim[0] == '[' {
			shape = snapshot.ShapeList
		}
	}
	var out []object
	switch shape {
	case snapshot.ShapeList:
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		for i, it := range items {
			id := objectID(it)
			if id == "" {
				id = "#" + strconv.Itoa(i)
			}
			out = append(out, object{id: id, raw: it})
		}
	case snapshot.ShapePerKey:
		var m map[string][]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		for key, items := range m {
			for i, it := range items {
				id := objectID(it)
				if id == "" {
					id = "#" + strconv.Itoa(i)
				}
				out = append(out, object{id: key + "/" + id, raw: it})
			}
		}
	default:
		if !json.Valid(data) {
			return nil, fmt.Errorf("dataset %s: not valid JSON", dataset)
		}
		id := objectID(data)
		if id == "" {
			id = dataset
		}
		out = append(out, object{id: id, raw: data})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].id < out[j].id })
	// Duplicate ids (an API should not return them) stay distinct.
	seen := map[string]int{}
	for i := range out {
		seen[out[i].id]++
		if n := seen[out[i].id]; n > 1 {
			out[i].id += "#" + strconv.Itoa(n)
		}
	}
	return out, nil
}

// compareObjects merges two id-sorted object lists.
func compareObjects(dataset string, old, new []object, on, nn *namer) ([]ObjectChange, error) {
	var out []ObjectChange
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j >= len(new) || (i < len(old) && old[i].id < new[j].id):
			name, detail := on.describe(dataset, old[i].raw)
			out = append(out, ObjectChange{Dataset: dataset, ID: old[i].id, Name: name, Detail: detail, Change: ObjectRemoved})
			i++
		case i >= len(old) || new[j].id < old[i].id:
			name, detail := nn.describe(dataset, new[j].raw)
			out = append(out, ObjectChange{Dataset: dataset, ID: new[j].id, Name: name, Detail: detail, Change: ObjectAdded})
			j++
		default:
			if !bytes.Equal(old[i].raw, new[j].raw) {
				fields, err := compareFields(old[i].raw, new[j].raw)
				if err != nil {
					return nil, fmt.Errorf("dataset %s object %s: %w", dataset, new[j].id, err)
				}
				if len(fields) > 0 {
					name, detail := nn.describe(dataset, new[j].raw)
					out = append(out, ObjectChange{Dataset: dataset, ID: new[j].id, Name: name, Detail: detail, Change: ObjectModified, Fields: fields})
				}
			}
			i++
			j++
		}
	}
	return out, nil
}

func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// compareFields lists the changed fields of two versions of an object,
// ignoring the fields that change on their own.
func compareFields(oldRaw, newRaw []byte) ([]FieldChange, error) {
	o, err := decode(oldRaw)
	if err != nil {
		return nil, err
	}
	n, err := decode(newRaw)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	walk("", o, n, &out)
	return out, nil
}

func walk(path string, o, n any, out *[]FieldChange) {
	om, oIsMap := o.(map[string]any)
	nm, nIsMap := n.(map[string]any)
	if oIsMap && nIsMap {
		keys := map[string]bool{}
		for k := range om {
			keys[k] = true
		}
		for k := range nm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			if !ignoredKey(k) {
				sorted = append(sorted, k)
			}
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, om[k], nm[k], out)
		}
		return
	}
	if canonical(o) == canonical(n) {
		return
	}
	*out = append(*out, FieldChange{Path: path, From: strip(o), To: strip(n)})
}

// canonical renders a value with ignored fields removed, maps sorted (as
// encoding/json does) and arrays compared as sets: the order in which an
// API lists members is not a change.
func canonical(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			if !ignoredKey(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteByte('{')
		for _, k := range keys {
			if t[k] == nil {
				continue // a missing field and a null one are the same
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			b.WriteString(canonical(t[k]))
			b.WriteByte(',')
		}
		b.WriteByte('}')
		return b.String()
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = canonical(e)
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, ",") + "]"
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// strip removes ignored fields from a value shown in a field change.
func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range t {
			if !ignoredKey(k) {
				m[k] = strip(e)
			}
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = strip(e)
		}
		return out
	}
	return v
}
