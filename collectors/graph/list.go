package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

func errorMapping() abs.ErrorMappings {
	return abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
}

// send sends one request through the SDK and returns the raw body. Each
// call gets its own timeout covering its retries.
func (c *Client) send(ctx context.Context, ri *abs.RequestInformation) ([]byte, error) {
	path := "?"
	if u, err := ri.GetUri(); err == nil {
		path = u.Path
	}
	ctx, cancel := context.WithTimeout(ctx, c.pageTimeout)
	defer cancel()
	f := &failure{}
	res, err := c.adapter.SendPrimitive(withFailure(ctx, f), ri, "[]byte", errorMapping())
	if err != nil {
		if f.status != 0 {
			return nil, wireError(f, path)
		}
		return nil, classify(err, path)
	}
	b, _ := res.([]byte)
	return b, nil
}

// wireError builds the error from the failed response itself (Graph's
// envelope {"error":{"code","message"}}).
func wireError(f *failure, path string) error {
	e := &Error{Status: f.status, Path: path}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(f.body, &env) == nil {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	}
	return e
}

func classify(err error, path string) error {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		e := &Error{Status: oe.ResponseStatusCode, Path: path}
		if m := oe.GetErrorEscaped(); m != nil {
			if p := m.GetCode(); p != nil {
				e.Code = *p
			}
			if p := m.GetMessage(); p != nil {
				e.Message = *p
			}
		}
		return e
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return &Error{Status: ae.ResponseStatusCode, Path: path, Message: ae.Message}
	}
	return fmt.Errorf("graph %s: %w", path, err)
}

// page is one response of a Graph collection. Value is a pointer so a
// response without "value" (not a collection) is told from an empty page.
type page struct {
	Value    *[]json.RawMessage `json:"value"`
	NextLink string             `json:"@odata.nextLink"`
}

// List sends ri and follows @odata.nextLink (absolute, unchanged) to the
// last page, returning every item's raw bytes in API order and the number
// of pages read. The first request's headers (e.g. ConsistencyLevel) are
// repeated on every page. When a later page fails, the items read so far
// are returned with the error: the caller records the dataset as partial.
func (c *Client) List(ctx context.Context, ri *abs.RequestInformation) ([]json.RawMessage, int, error) {
	var items []json.RawMessage
	pages := 0
	for {
		body, err := c.send(ctx, ri)
		if err != nil {
			return items, pages, err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return items, pages, fmt.Errorf("graph: page %d is not JSON: %w", pages+1, err)
		}
		if p.Value == nil {
			return items, pages, fmt.Errorf("graph: page %d has no \"value\" (not a collection)", pages+1)
		}
		pages++
		items = append(items, *p.Value...)
		if p.NextLink == "" {
			return items, pages, nil
		}
		next, err := c.nextRequest(ri, p.NextLink)
		if err != nil {
			return items, pages, err
		}
		ri = next
	}
}

// nextRequest builds the request for a nextLink: the absolute URL as given,
// the first request's headers minus Authorization (added per request).
func (c *Client) nextRequest(first *abs.RequestInformation, link string) (*abs.RequestInformation, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("graph: bad @odata.nextLink %q", link)
	}
	if !strings.EqualFold(u.Host, c.root.Host) {
		return nil, fmt.Errorf("graph: @odata.nextLink points to another host (%s), not following it with the token", u.Host)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	copyHeaders(ri, first)
	return ri, nil
}

func copyHeaders(dst, src *abs.RequestInformation) {
	if src == nil || src.Headers == nil {
		return
	}
	for _, k := range src.Headers.ListKeys() {
		if strings.EqualFold(k, "authorization") {
			continue
		}
		for _, v := range src.Headers.Get(k) {
			dst.Headers.Add(k, v)
		}
	}
}

// Object sends ri and returns the single JSON object it answers.
func (c *Client) Object(ctx context.Context, ri *abs.RequestInformation) (json.RawMessage, error) {
	body, err := c.send(ctx, ri)
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !json.Valid(body) {
		return nil, errors.New("graph: response is not a JSON object")
	}
	return json.RawMessage(body), nil
}

// RawRequest builds a GET for a path below the root (e.g. "/beta/x") and a
// raw query, for what the typed builders cannot express (beta paths,
// incident filters).
func (c *Client) RawRequest(path, rawQuery string) (*abs.RequestInformation, error) {
	u, err := url.Parse(c.root.String() + path)
	if err != nil {
		return nil, fmt.Errorf("graph: bad path %q: %w", path, err)
	}
	u.RawQuery = EncodeQuery(rawQuery)
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.Add("Accept", "application/json")
	return ri, nil
}

// EncodeQuery escapes the values of a spec query ("$filter=a ge b&$top=9")
// keeping parameter order and the literal "$" of names.
func EncodeQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			parts[i] = url.QueryEscape(name)
			continue
		}
		parts[i] = strings.ReplaceAll(url.QueryEscape(name), "%24", "$") + "=" +
			strings.ReplaceAll(url.QueryEscape(val), "+", "%20")
	}
	return strings.Join(parts, "&")
}
