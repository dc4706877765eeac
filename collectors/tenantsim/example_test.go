package tenantsim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// Serve the embedded Contoso sample and page through its users the way a
// collector does: follow each absolute @odata.nextLink until there is none.
func ExampleStart() {
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		panic(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the server
	srv, err := tenantsim.Start(ctx, snap, tenantsim.Options{
		GraphToken: "test-graph-token",
		PageSize:   10,
		// A throttled first page, as Graph does under load.
		Faults: []tenantsim.Fault{{Match: snapshot.DSUsers, Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1}},
	})
	if err != nil {
		panic(err)
	}

	next := srv.URL() + "/v1.0/users?$select=" + snapshot.UserSelect + "&$top=999"
	users, pages, throttled := 0, 0, 0
	for next != "" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer test-graph-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			resp.Body.Close()
			throttled++ // a real collector waits Retry-After seconds first
			continue
		}
		var page struct {
			Value []json.RawMessage `json:"value"`
			Next  string            `json:"@odata.nextLink"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		users += len(page.Value)
		pages++
		next = page.Next
	}
	fmt.Printf("%d users in %d pages after %d throttled request; refused writes: %d\n", users, pages, throttled, len(srv.RefusedWrites()))
	// Output: 25 users in 3 pages after 1 throttled request; refused writes: 0
}
