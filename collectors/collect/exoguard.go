package collect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/m365audit/m365audit/collectors/exchange"
)

// ExchangeGuard is the innermost transport of the Exchange client: it
// refuses, without sending, anything but a GET or a POST to InvokeCommand
// whose cmdlet is a Get-* cmdlet. The exchange client checks the cmdlet
// too; this makes the read-only promise hold for whatever reaches the wire.
type ExchangeGuard struct {
	Next    http.RoundTripper
	mu      sync.Mutex
	refused []string
}

// RoundTrip implements http.RoundTripper.
func (g *ExchangeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.check(req); err != nil {
		g.mu.Lock()
		g.refused = append(g.refused, req.Method+" "+req.URL.Path)
		g.mu.Unlock()
		return nil, err
	}
	return g.Next.RoundTrip(req)
}

func (g *ExchangeGuard) check(req *http.Request) error {
	if req.Method == http.MethodGet {
		return nil
	}
	if req.Method != http.MethodPost || !strings.HasSuffix(strings.ToLower(req.URL.Path), "/invokecommand") || req.Body == nil {
		return fmt.Errorf("%w: %s %s", exchange.ErrNotReadOnly, req.Method, req.URL.Path)
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("exchange guard: read body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	var b struct {
		CmdletInput struct {
			CmdletName string `json:"CmdletName"`
		} `json:"CmdletInput"`
	}
	if err := json.Unmarshal(raw, &b); err != nil || !exchange.IsReadOnly(b.CmdletInput.CmdletName) {
		return fmt.Errorf("%w: cmdlet %q", exchange.ErrNotReadOnly, b.CmdletInput.CmdletName)
	}
	return nil
}

// Refused lists refused requests ("METHOD /path").
func (g *ExchangeGuard) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}
