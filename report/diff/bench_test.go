package diff_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

// bigSnapshot is a tenant of n users (a tenth guests) plus the sample's
// policies; shift changes signInActivity of every user (ignored) and
// modifies every hundredth user's department, adds and removes a few.
func bigSnapshot(b *testing.B, n int, later bool) *snapshot.Snapshot {
	b.Helper()
	users := make([]byte, 0, n*700)
	users = append(users, '[')
	for i := 0; i < n; i++ {
		if later && i%1000 == 7 {
			continue // removed
		}
		if i > 0 {
			users = append(users, ',')
		}
		typ := "Member"
		if i%10 == 0 {
			typ = "Guest"
		}
		dept := "Sales"
		if later && i%100 == 3 {
			dept = "Finance"
		}
		seen := "2026-11-19T08:00:00Z"
		if later {
			seen = "2026-12-19T08:00:00Z"
		}
		users = fmt.Appendf(users, `{"id":"%08d-0000-4000-8000-%012d","accountEnabled":true,"assignedLicenses":[{"disabledPlans":[],"skuId":"f245ecc8-75af-4f8e-b61f-27d8114de5f3"}],"createdDateTime":"2024-01-01T00:00:00Z","creationType":null,"displayName":"User %d","department":"%s","mail":"user%d@contoso.com","userPrincipalName":"user%d@contoso.com","userType":"%s","signInActivity":{"lastSignInDateTime":"%s","lastNonInteractiveSignInDateTime":"%s"}}`,
			i, i, i, dept, i, i, typ, seen, seen)
	}
	if later {
		for i := 0; i < 50; i++ {
			users = fmt.Appendf(users, `,{"id":"ffffffff-0000-4000-8000-%012d","accountEnabled":true,"displayName":"New %d","userPrincipalName":"new%d@contoso.com","userType":"Guest"}`, i, i, i)
		}
	}
	users = append(users, ']')
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if later {
		at = at.AddDate(0, 1, 0)
	}
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, Tenant: snapshot.Tenant{ID: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b", DisplayName: "Contoso Ltd"}, CollectedAt: at}
	return snapshot.FromFiles(m, map[string][]byte{snapshot.DSUsers: users})
}

// BenchmarkCompare100kUsers: diff of two 100k-user snapshots (objects and
// verdicts).
func BenchmarkCompare100kUsers(b *testing.B) {
	old, cur := bigSnapshot(b, 100_000, false), bigSnapshot(b, 100_000, true)
	od := checks.Run(old, checks.RunOptions{GeneratedAt: old.Manifest.CollectedAt})
	nd := checks.Run(cur, checks.RunOptions{GeneratedAt: cur.Manifest.CollectedAt})
	b.ResetTimer()
	b.ReportAllocs()
	var d *diff.Document
	for i := 0; i < b.N; i++ {
		var err error
		d, err = diff.Compare(diff.Input{Doc: od, Snap: old}, diff.Input{Doc: nd, Snap: cur})
		if err != nil {
			b.Fatal(err)
		}
	}
	if d.Counts.ObjectsModified != 1000 || d.Counts.ObjectsRemoved != 100 || d.Counts.ObjectsAdded != 50 {
		b.Fatalf("counts %+v", d.Counts)
	}
}
