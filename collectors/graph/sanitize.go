package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CredentialFields are the keyCredentials/passwordCredentials properties a
// snapshot keeps: metadata to judge expiry and ownership, never secrets
// (key, secretText, hint are dropped).
var credentialFields = map[string]bool{
	"keyId": true, "displayName": true, "startDateTime": true, "endDateTime": true,
	"type": true, "usage": true, "customKeyIdentifier": true,
}

// CredentialNote is the dataset note recorded for servicePrincipals and
// applications.
const CredentialNote = "keyCredentials/passwordCredentials kept as metadata only (keyId, displayName, startDateTime, " +
	"endDateTime, type, usage, customKeyIdentifier); key, secretText and hint are removed at collection"

// StripCredentialSecrets reduces the keyCredentials and passwordCredentials
// of one raw object to CredentialFields. The other properties keep their raw
// bytes and order; an object without anything to strip is returned as is.
func StripCredentialSecrets(item json.RawMessage) (json.RawMessage, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(item, &probe); err != nil {
		return nil, fmt.Errorf("strip credentials: %w", err)
	}
	dirty := false
	for _, k := range []string{"keyCredentials", "passwordCredentials"} {
		if v, ok := probe[k]; ok && needsStrip(v) {
			dirty = true
		}
	}
	if !dirty {
		return item, nil
	}
	dec := json.NewDecoder(bytes.NewReader(item))
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("strip credentials: %w", err)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("strip credentials: %w", err)
		}
		key, _ := kt.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("strip credentials: %w", err)
		}
		if key == "keyCredentials" || key == "passwordCredentials" {
			if val, err = stripList(val); err != nil {
				return nil, err
			}
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(val)
	}
	out.WriteByte('}')
	return json.RawMessage(out.Bytes()), nil
}

func needsStrip(v json.RawMessage) bool {
	var creds []map[string]json.RawMessage
	if json.Unmarshal(v, &creds) != nil {
		return true // not a list of objects: replace it below
	}
	for _, c := range creds {
		for k := range c {
			if !credentialFields[k] {
				return true
			}
		}
	}
	return false
}

func stripList(v json.RawMessage) (json.RawMessage, error) {
	if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return v, nil
	}
	var creds []map[string]json.RawMessage
	if err := json.Unmarshal(v, &creds); err != nil {
		return json.RawMessage("[]"), nil //nolint:nilerr // unexpected shape: keep nothing rather than a secret
	}
	for _, c := range creds {
		for k := range c {
			if !credentialFields[k] {
				delete(c, k)
			}
		}
	}
	b, err := json.Marshal(creds)
	if err != nil {
		return nil, fmt.Errorf("strip credentials: %w", err)
	}
	return b, nil
}
