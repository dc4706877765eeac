package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestCollectUnreachableTenant: `collect` against a closed loopback port
// stops with the reason instead of retrying every dataset.
func TestCollectUnreachableTenant(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	root := "http://" + l.Addr().String()
	l.Close()
	t.Setenv("M365AUDIT_GRAPH_TOKEN", "tok")
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", "tok")
	code, _, stderr := cli(t, "collect", "--auth", "token", "--tenant", "contoso.com",
		"--graph-endpoint", root, "--exchange-endpoint", root, "--out", filepath.Join(t.TempDir(), "snap"))
	if code == 0 {
		t.Fatal("collect against a closed port succeeded")
	}
	if !strings.Contains(stderr, "cannot reach Microsoft Graph at "+strings.TrimPrefix(root, "http://")) ||
		!strings.Contains(stderr, "connection was refused") {
		t.Errorf("stderr lacks the reason:\n%s", stderr)
	}
}
