package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/preflight"
)

// exitPreflight is the exit code of `collect --preflight` when some dataset
// would not be collected whole.
const exitPreflight = 3

// predictRun signs in, reads the tokens' permissions and the tenant's
// licences, and predicts which datasets and checks the run would lose.
func predictRun(ctx context.Context, p *collectPlan, tokens *auth.Tokens, log *slog.Logger) (*preflight.Report, error) {
	gt, err := tokens.Graph(ctx)
	if err != nil {
		return nil, fmt.Errorf("sign in to Microsoft Graph: %w", err)
	}
	var xt string
	if tokens.Exchange != nil && p.exchangeRoot != "" {
		if xt, err = tokens.Exchange(ctx); err != nil {
			log.Warn("no Exchange Online token; the Exchange datasets would be skipped", "err", err)
			xt = ""
		}
	}
	grants := preflight.NewGrants(gt, xt)
	lic := preflight.Licences{Why: "not read"}
	if grants.Kind != "unknown" {
		lic = readLicences(ctx, p, tokens, log)
	}
	return preflight.Evaluate(snapshot.Specs(), p.incident != nil, grants, lic, checks.All()), nil
}

// readLicences reads subscribedSkus (one request).
func readLicences(ctx context.Context, p *collectPlan, tokens *auth.Tokens, log *slog.Logger) preflight.Licences {
	var spec snapshot.Spec
	for _, s := range snapshot.Specs() {
		if s.ID == snapshot.DSSubscribedSkus {
			spec = s
		}
	}
	gc, err := graph.New(graph.Options{Root: p.graphRoot, Token: tokens.Graph, Logger: log, MaxRetries: 2})
	if err != nil {
		return preflight.Licences{Why: err.Error()}
	}
	ri, err := gc.FirstRequest(ctx, spec, spec.Query)
	if err != nil {
		return preflight.Licences{Why: err.Error()}
	}
	items, _, err := gc.List(ctx, ri)
	if err != nil {
		return preflight.Licences{Why: "subscribedSkus: " + err.Error()}
	}
	return preflight.LicencesFromSkus(items)
}

// runPreflight is `collect --preflight`: the table on stdout, exit 0 when
// everything would be collected, 3 otherwise.
func runPreflight(ctx context.Context, g *globalOptions, p *collectPlan) error {
	log := g.logger()
	tokens, err := auth.New(p.auth)
	if err != nil {
		return err
	}
	r, err := predictRun(ctx, p, tokens, log)
	if err != nil {
		return err
	}
	if err := preflight.WriteTable(g.stdout, r); err != nil {
		return err
	}
	if !r.OK() {
		return &exitError{exitPreflight, preflight.ErrNotAllCollected}
	}
	return nil
}

// announcePreflight runs the same prediction before a collection and says
// up front, on stderr, what the run will not get. It never stops the run;
// with opaque tokens (nothing to read) it says nothing.
func announcePreflight(ctx context.Context, g *globalOptions, p *collectPlan, tokens *auth.Tokens, log *slog.Logger) {
	r, err := predictRun(ctx, p, tokens, log)
	if err != nil || r.TokenKind == "unknown" {
		return
	}
	var denied, unlicensed []string
	for _, row := range r.Rows {
		switch row.Verdict {
		case preflight.Denied:
			denied = append(denied, row.Dataset+" (missing "+strings.Join(row.Missing, ", ")+")")
		case preflight.Unlicensed:
			unlicensed = append(unlicensed, row.Dataset)
		}
	}
	if len(denied) == 0 && len(unlicensed) == 0 {
		return
	}
	w := g.stderr
	fmt.Fprintln(w, "Before collecting: this run will not get")
	if len(denied) > 0 {
		fmt.Fprintf(w, "  denied: %s\n", strings.Join(denied, "; "))
	}
	if len(unlicensed) > 0 {
		fmt.Fprintf(w, "  unlicensed: %s\n", strings.Join(unlicensed, ", "))
	}
	if len(r.Lost) > 0 {
		ids := make([]string, len(r.Lost))
		for i, c := range r.Lost {
			ids[i] = c.ID
		}
		fmt.Fprintf(w, "  so %d check(s) will end unknown: %s\n", len(ids), strings.Join(ids, ", "))
	}
	fmt.Fprintln(w, "  (`m365audit collect --preflight` shows the details; `m365audit setup` registers an app with every permission)")
}
