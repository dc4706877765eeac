package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// Page is one response of a Graph collection as it arrived: Items are the
// raw bytes of each element of "value" (slices of the response body, valid
// only during the PageFunc call), Next the @odata.nextLink ("" on the last
// page) and Count the @odata.count when the service sent one (-1 if not).
type Page struct {
	Items [][]byte
	Next  string
	Count int64
}

// PageFunc receives each page in order; an error stops paging.
type PageFunc func(p Page) error

// Pages sends ri, or when from is not "" a GET of that @odata.nextLink
// (a resumed collection), and follows @odata.nextLink to the last page,
// handing each page to f without decoding its objects. It returns the
// number of pages read (handed to f without error). The first request's
// headers are repeated on every page.
//
// The request for the next page is sent as soon as the current page's
// link is known, while f handles the current page: a long list then costs
// its requests' round trips, not round trips plus writing. Still only one
// request of the list is in flight at a time, and f sees the pages in
// order, one at a time. When f fails the request in flight is cancelled.
func (c *Client) Pages(ctx context.Context, ri *abs.RequestInformation, from string, f PageFunc) (int, error) {
	if from != "" {
		next, err := c.nextRequest(ri, from)
		if err != nil {
			return 0, err
		}
		ri = next
	}
	first := ri
	pages := 0
	body, err := c.send(ctx, ri)
	for {
		if err != nil {
			return pages, err
		}
		p, serr := ScanPage(body)
		if serr != nil {
			return pages, fmt.Errorf("graph: page %d: %w", pages+1, serr)
		}
		var (
			ahead   *pending
			linkErr error
		)
		if p.Next != "" {
			var nri *abs.RequestInformation
			if nri, linkErr = c.nextRequest(first, p.Next); linkErr == nil {
				ahead = c.sendAhead(ctx, nri)
			}
		}
		if ferr := f(p); ferr != nil {
			if ahead != nil {
				ahead.cancel()
				ahead.wait()
			}
			return pages, ferr
		}
		pages++
		if linkErr != nil {
			return pages, linkErr
		}
		if ahead == nil {
			return pages, nil
		}
		body, err = ahead.wait()
	}
}

// pending is a request sent ahead: wait returns its outcome (once).
type pending struct {
	cancel context.CancelFunc
	done   chan struct{}
	body   []byte
	err    error
}

func (c *Client) sendAhead(ctx context.Context, ri *abs.RequestInformation) *pending {
	actx, cancel := context.WithCancel(ctx)
	p := &pending{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.body, p.err = c.send(actx, ri)
	}()
	return p
}

func (p *pending) wait() ([]byte, error) {
	<-p.done
	p.cancel()
	return p.body, p.err
}

// ScanPage splits a collection response into its objects by scanning the
// bytes (no decoding into Go values): the top level must be an object with
// a "value" array.
func ScanPage(body []byte) (Page, error) {
	p := Page{Count: -1}
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return p, errors.New("response is not a JSON object")
	}
	i = skipWS(body, i+1)
	sawValue := false
	for i < len(body) && body[i] != '}' {
		kEnd, err := scanStr(body, i)
		if err != nil {
			return p, err
		}
		key := body[i+1 : kEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if err := json.Unmarshal(body[i:kEnd], &k); err != nil {
				return p, fmt.Errorf("bad member name: %w", err)
			}
			key = []byte(k)
		}
		i = skipWS(body, kEnd)
		if i >= len(body) || body[i] != ':' {
			return p, errors.New("malformed object: missing ':'")
		}
		i = skipWS(body, i+1)
		switch string(key) {
		case "value":
			if i >= len(body) || body[i] != '[' {
				return p, errors.New(`"value" is not an array`)
			}
			items, end, err := scanArray(body, i)
			if err != nil {
				return p, err
			}
			p.Items, sawValue, i = items, true, end
		default:
			end, err := scanVal(body, i)
			if err != nil {
				return p, err
			}
			switch string(key) {
			case "@odata.nextLink":
				if err := json.Unmarshal(body[i:end], &p.Next); err != nil {
					return p, fmt.Errorf("bad @odata.nextLink: %w", err)
				}
			case "@odata.count":
				if n, err := strconv.ParseInt(string(body[i:end]), 10, 64); err == nil {
					p.Count = n
				}
			}
			i = end
		}
		i = skipWS(body, i)
		if i < len(body) && body[i] == ',' {
			i = skipWS(body, i+1)
		} else if i >= len(body) || body[i] != '}' {
			return p, errors.New("malformed object: missing ',' or '}'")
		}
	}
	if i >= len(body) {
		return p, errors.New("truncated response")
	}
	if !sawValue {
		return p, errors.New(`response has no "value" (not a collection)`)
	}
	return p, nil
}

func scanArray(b []byte, i int) ([][]byte, int, error) {
	var items [][]byte
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return [][]byte{}, i + 1, nil
	}
	for i < len(b) {
		end, err := scanVal(b, i)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, b[i:end])
		i = skipWS(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return items, i + 1, nil
		}
		break
	}
	return nil, 0, errors.New(`malformed "value" array`)
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// scanStr returns the index just past the JSON string starting at i.
func scanStr(b []byte, i int) (int, error) {
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

// scanVal returns the index just past the JSON value starting at i. It
// finds boundaries only; each object is validated when it is written.
func scanVal(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("missing value")
	}
	switch b[i] {
	case '"':
		return scanStr(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, err := scanStr(b, j)
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
