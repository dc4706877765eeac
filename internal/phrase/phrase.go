// Package phrase holds the small text helpers that checks summaries and
// report writers share ("1 guest" / "3 guests", "a, b and c"), so every
// output counts and lists things the same way.
package phrase

import (
	"fmt"
	"strings"
)

// Plural says "1 guest" or "3 guests".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Word picks the singular or the plural word for n, without the number.
func Word(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// AndList joins "a", "a and b", "a, b and c".
func AndList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// FirstOf returns the first value that is not blank.
func FirstOf(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
