package transport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnreachable(t *testing.T) {
	addr := closedPort(t)
	c := &http.Client{Timeout: 10 * time.Second}
	_, refused := c.Get("http://" + addr + "/v1.0/organization")
	if refused == nil {
		t.Fatal("a closed port answered")
	}
	dnsErr := &url.Error{Op: "Get", URL: "https://graph.example.invalid/v1.0/organization", Err: &net.OpError{
		Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "graph.example.invalid", IsNotFound: true}}}
	tests := []struct {
		name string
		err  error
		want bool
		why  string
	}{
		{"closed loopback port", refused, true, "connection was refused"},
		{"wrapped", fmt.Errorf("list users: %w", refused), true, "connection was refused"},
		{"name not found", dnsErr, true, "graph.example.invalid does not exist"},
		{"nil", nil, false, ""},
		{"reset", errors.New("read tcp: connection reset by peer"), false, ""},
		{"timeout", &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "read", Err: errTimeout{}}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unreachable(tt.err); got != tt.want {
				t.Fatalf("Unreachable(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if !tt.want {
				return
			}
			msg := (&UnreachableError{Service: "Microsoft Graph", Host: "h", Err: tt.err}).Error()
			if !strings.Contains(msg, tt.why) || !strings.Contains(msg, "cannot reach Microsoft Graph at h") {
				t.Errorf("message %q lacks %q", msg, tt.why)
			}
		})
	}
}

type errTimeout struct{}

func (errTimeout) Error() string { return "i/o timeout" }
func (errTimeout) Timeout() bool { return true }
