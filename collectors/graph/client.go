// Package graph collects Microsoft Graph datasets with msgraph-sdk-go and
// keeps the raw JSON the service returned.
//
// Requests are built with the SDK's typed builders where one exists
// (ToGetRequestInformation) and sent with adapter.SendPrimitive("[]byte") so
// the bytes on the wire are what the snapshot stores; typed models are never
// re-serialised (the backing store drops fields, collection.md §2.7).
//
// The HTTP pipeline is built explicitly (kiota's default order is random):
// telemetry, user agent and parameter-name decoding middlewares, then this
// package's retry transport and, innermost, a read-only guard that refuses
// anything but GET and a $batch of GETs before it leaves the process.
// kiota's RetryHandler and CompressionHandler are left out: retries are ours
// (injectable wait, per-dataset counts, no stacked loops), and uncompressed
// bodies let the guard read $batch requests cheaply.
//
// Only this package (and collectors/exchange) speak HTTP.
package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/m365audit/m365audit/collectors/transport"
)

// Options configure a Client.
type Options struct {
	// Root is the Graph service root without version, e.g.
	// https://graph.microsoft.com or http://127.0.0.1:PORT.
	Root string
	// Token returns the bearer token for Graph.
	Token func(ctx context.Context) (string, error)
	// Transport is the base transport (default: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// MaxRetries per request for 429/503/504 and transport errors (default 6).
	MaxRetries int
	// Sleep waits between retries (default Sleep); tests inject a recorder.
	Sleep SleepFunc
	// PageTimeout bounds one page including its retries (default 5 min).
	// http.Client.Timeout stays 0: it would also cut retry waits short.
	PageTimeout time.Duration
	// Logger receives debug lines per request and retry.
	Logger *slog.Logger
	// CAInterval spaces requests to Conditional Access, named locations and
	// Identity Protection (tenant-wide ~1 request/s, no Retry-After);
	// 0 means CAInterval (1 s), negative means not spaced (a simulated
	// tenant that has no such limit).
	CAInterval time.Duration
}

// Client is a read-only Graph client bound to one service root.
type Client struct {
	root        *url.URL
	adapter     *msgraph.GraphRequestAdapter
	sdk         *msgraph.GraphServiceClient
	guard       *guardTransport
	retry       *retryTransport
	sleep       SleepFunc
	maxRetries  int
	pageTimeout time.Duration
	log         *slog.Logger
}

// New builds a client.
func New(o Options) (*Client, error) {
	root, err := url.Parse(strings.TrimRight(o.Root, "/"))
	if err != nil || root.Host == "" || (root.Scheme != "https" && root.Scheme != "http") {
		return nil, fmt.Errorf("graph: bad service root %q", o.Root)
	}
	if root.Scheme == "http" && !transport.IsLoopback(root.Hostname()) {
		return nil, fmt.Errorf("graph: plain http root %q is only allowed on loopback", o.Root)
	}
	if o.Token == nil {
		return nil, errors.New("graph: no token source")
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 6
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	guard := &guardTransport{next: base, rootPath: root.Path}
	retry := &retryTransport{next: guard, maxRetries: o.MaxRetries, sleep: o.Sleep, log: o.Logger, now: time.Now, pacer: &pacer{interval: caInterval(o.CAInterval)}}

	copts := msgraph.GetDefaultClientOptions()
	mw := []khttp.Middleware{
		core.NewGraphTelemetryHandler(&copts),
		khttp.NewUserAgentHandler(),
		khttp.NewParametersNameDecodingHandler(),
	}
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(retry, mw...),
		// Redirects would carry the token to another host; Graph's datasets
		// here never redirect, so a 3xx is returned as is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       0,
	}
	tp := &tokenProvider{token: o.Token, hosts: absauth.NewAllowedHostsValidator([]string{root.Hostname()})}
	adapter, err := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		absauth.NewBaseBearerTokenAuthenticationProvider(tp), nil, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	// The base URL must be set before the service client copies it.
	adapter.SetBaseUrl(root.String() + "/v1.0")
	return &Client{
		root: root, adapter: adapter, sdk: msgraph.NewGraphServiceClient(adapter), guard: guard, retry: retry,
		sleep: o.Sleep, maxRetries: o.MaxRetries, pageTimeout: o.PageTimeout, log: o.Logger,
	}, nil
}

// Root returns the service root.
func (c *Client) Root() string { return c.root.String() }

// RefusedWrites lists requests the read-only guard refused ("METHOD /path").
// A collection must end with none.
func (c *Client) RefusedWrites() []string { return c.guard.Refused() }

// tokenProvider hands the token only to the configured endpoint host. The
// SDK's Azure provider silently sends no token to a host outside its list
// (collection.md §2.3); this one fails loudly instead.
type tokenProvider struct {
	token func(ctx context.Context) (string, error)
	hosts absauth.AllowedHostsValidator
}

func (p *tokenProvider) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", fmt.Errorf("graph: refusing to send the token to %s (not the configured endpoint)", u.Host)
	}
	if u.Scheme != "https" && !transport.IsLoopback(u.Hostname()) {
		return "", fmt.Errorf("graph: refusing to send the token over plain http to %s", u.Host)
	}
	tok, err := p.token(ctx)
	if err != nil {
		return "", fmt.Errorf("graph token: %w", err)
	}
	if tok == "" {
		return "", errors.New("graph token: empty")
	}
	return tok, nil
}

func (p *tokenProvider) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return &p.hosts }

func caInterval(d time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return CAInterval
	}
	return d
}
