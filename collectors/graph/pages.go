package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365audit/m365audit/internal/jsonscan"
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
	i := jsonscan.SkipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return p, errors.New("response is not a JSON object")
	}
	i = jsonscan.SkipWS(body, i+1)
	sawValue := false
	for i < len(body) && body[i] != '}' {
		kEnd, err := jsonscan.String(body, i)
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
		i = jsonscan.SkipWS(body, kEnd)
		if i >= len(body) || body[i] != ':' {
			return p, errors.New("malformed object: missing ':'")
		}
		i = jsonscan.SkipWS(body, i+1)
		switch string(key) {
		case "value":
			if i >= len(body) || body[i] != '[' {
				return p, errors.New(`"value" is not an array`)
			}
			items, end, err := jsonscan.Array(body, i)
			if err != nil {
				return p, err
			}
			p.Items, sawValue, i = items, true, end
		default:
			end, err := jsonscan.Value(body, i)
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
		i = jsonscan.SkipWS(body, i)
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipWS(body, i+1)
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
