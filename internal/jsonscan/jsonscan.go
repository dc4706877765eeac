// Package jsonscan finds the boundaries of JSON values in a byte slice
// without decoding them: a collection response's elements are handed on
// as slices of the response body instead of being copied into Go values.
// It checks structure only as far as needed to find boundaries; whoever
// keeps an element validates it.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Array returns the elements of the JSON array starting at b[i] (slices
// of b) and the index just past it.
func Array(b []byte, i int) ([][]byte, int, error) {
	var items [][]byte
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return [][]byte{}, i + 1, nil
	}
	for i < len(b) {
		end, err := Value(b, i)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, b[i:end])
		i = SkipWS(b, end)
		if i < len(b) && b[i] == ',' {
			i = SkipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return items, i + 1, nil
		}
		break
	}
	return nil, 0, errors.New("malformed array")
}

// SkipWS returns the index of the first byte at or after i that is not
// JSON white space.
func SkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// String returns the index just past the JSON string starting at i.
func String(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, errors.New("expected a string")
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errors.New("unterminated string")
}

// Value returns the index just past the JSON value starting at i. It
// finds boundaries only.
func Value(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("missing value")
	}
	switch b[i] {
	case '"':
		return String(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, err := String(b, j)
				if err != nil {
					return 0, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated value")
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		if j == i {
			return 0, errors.New("missing value")
		}
		return j, nil
	}
}

// Members calls f for each member of the JSON object that is the whole of
// b (surrounding white space aside), in order: the member name (escapes
// decoded) and the raw bytes of its value (a slice of b).
func Members(b []byte, f func(name string, val []byte) error) error {
	i := SkipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errors.New("not a JSON object")
	}
	i = SkipWS(b, i+1)
	for i < len(b) && b[i] != '}' {
		kEnd, err := String(b, i)
		if err != nil {
			return err
		}
		name, err := unquote(b[i:kEnd])
		if err != nil {
			return err
		}
		i = SkipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return errors.New("malformed object: missing ':'")
		}
		i = SkipWS(b, i+1)
		end, err := Value(b, i)
		if err != nil {
			return err
		}
		if err := f(name, b[i:end]); err != nil {
			return err
		}
		i = SkipWS(b, end)
		if i < len(b) && b[i] == ',' {
			i = SkipWS(b, i+1)
		} else if i >= len(b) || b[i] != '}' {
			return errors.New("malformed object: missing ',' or '}'")
		}
	}
	if i >= len(b) {
		return errors.New("truncated object")
	}
	if rest := SkipWS(b, i+1); rest != len(b) {
		return errors.New("data after the object")
	}
	return nil
}

// unquote decodes a JSON string literal (quotes included).
func unquote(q []byte) (string, error) {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", fmt.Errorf("bad member name: %w", err)
	}
	return s, nil
}
