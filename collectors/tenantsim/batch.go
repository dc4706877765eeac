package tenantsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxBatch is Graph's limit of requests per $batch.
const maxBatch = 20

type batchRequest struct {
	Requests []batchItem `json:"requests"`
}

type batchItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchResponseItem struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func parseBatch(body []byte) (*batchRequest, error) {
	var b batchRequest
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("Invalid batch payload: %v", err)
	}
	if len(b.Requests) == 0 {
		return nil, errors.New("Invalid batch payload: no requests.")
	}
	if len(b.Requests) > maxBatch {
		return nil, fmt.Errorf("Number of batch requests (%d) exceeds the limit of %d.", len(b.Requests), maxBatch)
	}
	seen := map[string]bool{}
	for _, it := range b.Requests {
		if it.ID == "" || seen[it.ID] {
			return nil, fmt.Errorf("Invalid batch payload: request id %q is missing or repeated.", it.ID)
		}
		seen[it.ID] = true
	}
	return &b, nil
}

// serveBatch answers every item of a $batch of GETs. Faults apply per item,
// so an item can come back 429 with its own Retry-After while the batch
// itself is 200 (msgraph-sdk-go does not retry those; collectors must).
func (s *Server) serveBatch(base, version string, b *batchRequest, hdr http.Header) response {
	out := struct {
		Responses []batchResponseItem `json:"responses"`
	}{}
	for _, it := range b.Requests {
		p, rawQuery, err := batchItemPath(base, version, it.URL)
		var r response
		if err != nil {
			r = s.graphError(it.URL, http.StatusBadRequest, "BadRequest", err.Error(), hdr)
		} else {
			ih := http.Header{}
			for k, v := range it.Headers {
				ih.Set(k, v)
			}
			r = s.graphGet(base, p, rawQuery, ih)
		}
		h := map[string]string{}
		for k := range r.header {
			if strings.EqualFold(k, "request-id") {
				continue
			}
			h[k] = r.header.Get(k)
		}
		if _, ok := h["Content-Type"]; !ok {
			h["Content-Type"] = "application/json"
		}
		out.Responses = append(out.Responses, batchResponseItem{ID: it.ID, Status: r.status, Headers: h, Body: json.RawMessage(bytes.TrimSpace(r.body))})
	}
	return response{status: http.StatusOK, header: http.Header{}, body: marshal(out)}
}

// batchItemPath resolves an item URL: relative to the batch's version
// ("/users/x" or "users/x", as msgraph-sdk-go sends them) or absolute.
func batchItemPath(base, version, raw string) (p, rawQuery string, err error) {
	if strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", fmt.Errorf("Invalid request URL %q.", raw)
		}
		return u.Path, u.RawQuery, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("Invalid request URL %q.", raw)
	}
	path := "/" + strings.TrimPrefix(u.Path, "/")
	if v, _ := splitVersion(path); v == "" {
		path = version + path
	}
	return path, u.RawQuery, nil
}
