package phrase

import "testing"

func TestPhrases(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Plural(0, "guest", "guests"), "0 guests"},
		{Plural(1, "guest", "guests"), "1 guest"},
		{Plural(3, "mailbox", "mailboxes"), "3 mailboxes"},
		{Word(1, "rule", "rules"), "rule"},
		{Word(2, "rule", "rules"), "rules"},
		{AndList(nil), ""},
		{AndList([]string{"a"}), "a"},
		{AndList([]string{"a", "b"}), "a and b"},
		{AndList([]string{"a", "b", "c"}), "a, b and c"},
		{FirstOf("", "  ", "x", "y"), "x"},
		{FirstOf(" "), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
