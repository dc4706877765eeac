package pwsh

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// The tests build the report model the way package report does (with this
// package's fixes) and write from it.

func buildModel(doc *checks.Document, snap *snapshot.Snapshot) (*model.Report, error) {
	if doc == nil {
		return nil, nil
	}
	return model.Build(doc, snap, model.Options{Fixes: Fixes()})
}

func writeContainmentDoc(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, upn string, opt Options) error {
	rep, err := buildModel(doc, snap)
	if err != nil {
		return err
	}
	return WriteContainment(ctx, w, rep, upn, opt)
}

func writeRemediationDoc(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, opt Options) error {
	rep, err := buildModel(doc, snap)
	if err != nil {
		return err
	}
	return WriteRemediation(ctx, w, rep, opt)
}

// containmentActions is the plan the report model holds for upn (nil when
// none can be planned).
func containmentActions(doc *checks.Document, snap *snapshot.Snapshot, upn string) []model.Action {
	rep, err := buildModel(doc, snap)
	if err != nil || rep == nil {
		return nil
	}
	c, err := rep.ContainmentPlan(upn)
	if err != nil {
		return nil
	}
	return c.Actions()
}

func containmentReview(doc *checks.Document, snap *snapshot.Snapshot, upn string) []model.ReviewItem {
	rep, err := buildModel(doc, snap)
	if err != nil || rep == nil {
		return nil
	}
	c, err := rep.ContainmentPlan(upn)
	if err != nil {
		return nil
	}
	return c.Review
}

// TestMethodEndpointsMatchModel: every method type the model plans to
// remove has an endpoint here, and no endpoint is unused.
func TestMethodEndpointsMatchModel(t *testing.T) {
	eps := authMethodEndpoints()
	for typ := range model.RemovableMethods() {
		if _, ok := eps[typ]; !ok {
			t.Errorf("model removes %s, but the script has no endpoint for it", typ)
		}
	}
	for typ := range eps {
		if _, ok := model.RemovableMethods()[typ]; !ok {
			t.Errorf("endpoint for %s, which the model never removes", typ)
		}
	}
}

// TestUntrustedSnapshotScripts: from a tampered or incomplete snapshot the
// scripts that change the tenant are refused; with the explicit override
// each one opens with the warning banner and throws before anything else
// until the admin deletes the throw by hand.
func TestUntrustedSnapshotScripts(t *testing.T) {
	doc, snap := contosoIncident(t)
	const upn = "adele.vance@contoso.com"
	for _, ev := range []checks.Evidence{{Tampered: true}, {Incomplete: true}, {Tampered: true, Incomplete: true}} {
		d := *doc
		d.Evidence = ev
		rep, err := model.Build(&d, snap, model.Options{Fixes: Fixes()})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteRemediation(t.Context(), &buf, rep, Options{}); !errors.Is(err, model.ErrUntrustedScripts) || buf.Len() != 0 {
			t.Errorf("%+v: remediation.ps1 written from an untrusted snapshot (err %v)", ev, err)
		}
		if err := WriteContainment(t.Context(), &buf, rep, upn, Options{}); !errors.Is(err, model.ErrUntrustedScripts) || buf.Len() != 0 {
			t.Errorf("%+v: containment script written from an untrusted snapshot (err %v)", ev, err)
		}

		rep, err = model.Build(&d, snap, model.Options{Fixes: Fixes(), AllowUnsafeScripts: true})
		if err != nil {
			t.Fatal(err)
		}
		for name, write := range map[string]func(io.Writer) error{
			"remediation.ps1": func(w io.Writer) error { return WriteRemediation(t.Context(), w, rep, Options{}) },
			"incident.ps1":    func(w io.Writer) error { return WriteContainment(t.Context(), w, rep, upn, Options{}) },
		} {
			var out bytes.Buffer
			if err := write(&out); err != nil {
				t.Fatalf("%s with the override: %v", name, err)
			}
			script := strings.TrimPrefix(out.String(), utf8BOM)
			if !strings.HasPrefix(script, "# !!!") || !strings.Contains(script[:600], "WARNING: THIS SCRIPT WAS GENERATED FROM A SNAPSHOT THAT IS NOT TRUSTED") {
				t.Errorf("%s: no banner at the top:\n%.600s", name, script)
			}
			throwAt := strings.Index(script, "\n"+unsafeThrow+"\n")
			paramAt := strings.Index(script, "\nparam(")
			if throwAt < 0 || paramAt < 0 || throwAt < paramAt {
				t.Fatalf("%s: the throw must follow the param block (throw %d, param %d)", name, throwAt, paramAt)
			}
			// Nothing but comments, blank lines and the param block comes
			// before the throw: no connection, no change.
			for _, cmd := range []string{"Connect-", "Invoke-MgGraphRequest", "Set-", "Remove-"} {
				if i := strings.Index(script, cmd); i >= 0 && i < throwAt && !strings.HasPrefix(strings.TrimSpace(script[strings.LastIndex(script[:i], "\n")+1:i]), "#") {
					t.Errorf("%s: %s before the throw", name, cmd)
				}
			}
			if _, err := psLex(script); err != nil {
				t.Errorf("%s: lex: %v", name, err)
			}
		}
	}
	// A trusted snapshot's scripts carry neither.
	d := *doc
	d.Evidence = checks.Evidence{Digest: "abc"}
	rep, err := model.Build(&d, snap, model.Options{Fixes: Fixes(), AllowUnsafeScripts: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteRemediation(t.Context(), &out, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), unsafeThrow) || strings.Contains(out.String(), "NOT TRUSTED") {
		t.Error("a trusted snapshot's script carries the unsafe banner")
	}
}
