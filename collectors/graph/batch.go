package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365audit/m365audit/collectors/transport"
)

// BatchSize is Graph's maximum number of requests in one $batch.
const BatchSize = 20

// KeyResult is what one per-key request returned: the raw objects, or why
// it failed.
type KeyResult struct {
	Items []json.RawMessage
	Err   error
}

type batchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// BatchGet fetches, for each key, the resource at paths[key] (relative to
// the version root, e.g. "/users/ID/authentication/methods?$top=999"), 20
// requests per POST {root}/{version}/$batch. Graph does not retry items
// inside a batch, so inner 429/503/504 are re-queued after the longest
// Retry-After they carried, at most MaxRetries rounds. An inner collection
// with @odata.nextLink is followed with plain GETs. Only an error that
// stops the run (401, cancelled context) is returned; other failures are
// per key.
func (c *Client) BatchGet(ctx context.Context, version string, paths map[string]string) (map[string]KeyResult, error) {
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]KeyResult, len(keys))
	pending := keys
	st := statsFrom(ctx)
	for round := 0; len(pending) > 0; round++ {
		var retry []string
		var wait time.Duration = -1
		for start := 0; start < len(pending); start += BatchSize {
			chunk := pending[start:min(start+BatchSize, len(pending))]
			res, err := c.sendBatch(ctx, version, chunk, paths)
			if err != nil {
				if errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
					return out, err
				}
				for _, k := range chunk {
					out[k] = KeyResult{Err: err}
				}
				continue
			}
			for i, k := range chunk {
				r, ok := res[strconv.Itoa(i)]
				if !ok {
					out[k] = KeyResult{Err: fmt.Errorf("graph $batch: no response for %s", paths[k])}
					continue
				}
				if transport.Retryable(r.Status) && round < c.maxRetries {
					retry = append(retry, k)
					if d := RetryAfter(headerValue(r.Headers, "Retry-After"), time.Now()); d > wait {
						wait = d
					}
					continue
				}
				items, err := c.batchItems(ctx, r, paths[k])
				if err != nil && errors.Is(err, ErrUnauthorized) {
					return out, err
				}
				out[k] = KeyResult{Items: items, Err: err}
			}
		}
		if len(retry) == 0 {
			break
		}
		if wait < 0 {
			wait = backoff(round)
		}
		if st != nil {
			st.Retries.Add(int64(len(retry)))
		}
		c.log.Debug("batch items throttled, waiting", "count", len(retry), "retry_after", wait, "attempt", round+1)
		if err := c.sleep(ctx, wait); err != nil {
			return out, err
		}
		pending = retry
	}
	return out, nil
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if http1Equal(k, name) {
			return v
		}
	}
	return ""
}

func http1Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (c *Client) sendBatch(ctx context.Context, version string, chunk []string, paths map[string]string) (map[string]batchResponse, error) {
	reqs := make([]batchRequest, len(chunk))
	for i, k := range chunk {
		reqs[i] = batchRequest{ID: strconv.Itoa(i), Method: "GET", URL: paths[k], Headers: map[string]string{"Accept": "application/json"}}
	}
	body, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return nil, fmt.Errorf("graph $batch: %w", err)
	}
	u, err := url.Parse(c.root.String() + "/" + version + "/$batch")
	if err != nil {
		return nil, fmt.Errorf("graph $batch: %w", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.SetUri(*u)
	ri.Headers.Add("Accept", "application/json")
	ri.SetStreamContentAndContentType(body, "application/json")
	raw, err := c.send(ctx, ri)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Responses []batchResponse `json:"responses"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, fmt.Errorf("graph $batch: response is not JSON: %w", err)
	}
	m := make(map[string]batchResponse, len(resp.Responses))
	for _, r := range resp.Responses {
		m[r.ID] = r
	}
	return m, nil
}

// batchItems turns one inner response into raw objects: the "value" items
// of a collection (following its nextLink), or the object itself.
func (c *Client) batchItems(ctx context.Context, r batchResponse, path string) ([]json.RawMessage, error) {
	body := r.Body
	// Graph base64-encodes inner bodies that are not JSON.
	var s string
	if len(body) > 0 && body[0] == '"' && json.Unmarshal(body, &s) == nil {
		if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
			body = dec
		}
	}
	if r.Status < 200 || r.Status > 299 {
		e := &Error{Status: r.Status, Path: pathOnly(path)}
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil {
			e.Code, e.Message = env.Error.Code, env.Error.Message
		}
		return nil, e
	}
	if len(body) == 0 {
		return nil, nil
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("graph $batch %s: body is not JSON: %w", pathOnly(path), err)
	}
	if p.Value == nil {
		return []json.RawMessage{append(json.RawMessage(nil), body...)}, nil
	}
	items := *p.Value
	if p.NextLink != "" {
		next, err := c.nextRequest(nil, p.NextLink)
		if err != nil {
			return items, err
		}
		more, _, err := c.List(ctx, next)
		items = append(items, more...)
		if err != nil {
			return items, err
		}
	}
	return items, nil
}

func pathOnly(p string) string {
	if u, err := url.Parse(p); err == nil {
		return u.Path
	}
	return p
}
