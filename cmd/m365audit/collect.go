package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/collect"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// collectOptions are the flags of `collect`.
type collectOptions struct {
	Tenant           string
	Auth             string
	Cloud            string
	GraphEndpoint    string
	ExchangeEndpoint string
	Out              string
	IncidentUsers    []string
	IncidentStart    string
	ClientID         string
	ClientSecret     string
	Certificate      string
	Concurrency      int
	Resume           string
	Previous         string
	SignKey          string
	Preflight        bool
	// CloudChosen: --cloud was given (only then is the cloud passed to
	// azidentity, which otherwise honours AZURE_AUTHORITY_HOST).
	CloudChosen bool
}

// collectPlan is a validated collectOptions.
type collectPlan struct {
	auth          auth.Options
	cloud         auth.Cloud
	graphRoot     string
	exchangeRoot  string
	incident      *snapshot.Incident
	tenant        string
	out           string
	concurrency   int
	resume        string
	previous      *previousSnapshot
	exchangeLater bool
	signKey       ed25519.PrivateKey
}

var domainRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// newCollectCmd builds `m365audit collect`.
func newCollectCmd(g *globalOptions) *cobra.Command {
	o := collectOptions{Cloud: auth.CloudGlobal}
	cmd := &cobra.Command{
		Use:   "collect --tenant ID|DOMAIN [flags]",
		Short: "Collect a read-only snapshot of a tenant (Graph + Exchange Online)",
		Long: "Collect a read-only snapshot of a tenant into a directory (or a .zip).\n" +
			"Denied, unlicensed or failing datasets are recorded as such and collection goes on;\n" +
			"a coverage summary on stderr lists them with the permission or licence that would allow them.\n" +
			"--auth token reads " + auth.EnvGraphToken + " and " + auth.EnvExchangeToken + ".\n\n" +
			"Ctrl-C (SIGINT) or SIGTERM stops the run: the snapshot is kept, marked incomplete\n" +
			"(complete: false, unfinished datasets interrupted) and the exit code is 130 (143 for SIGTERM).\n" +
			"--resume DIR continues it: finished datasets whose files still verify are kept, large lists\n" +
			"continue from their last complete page, the rest is collected again.\n" +
			"--previous SNAPSHOT (an earlier snapshot of the same tenant) gives the progress view an\n" +
			"estimated ETA (~ETA) from that snapshot's counts where the service gives no total.\n" +
			"\n" + exitCodesHelp("collected (datasets that could not be collected are recorded in the snapshot)",
			exitCode{exitFailOn, "--preflight: a dataset would not be collected whole"}),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.CloudChosen = cmd.Flags().Changed("cloud")
			p, err := o.validate(g)
			if err != nil {
				return err
			}
			if o.Preflight {
				return runPreflight(cmd.Context(), g, p)
			}
			return runCollect(cmd.Context(), g, p)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Tenant, "tenant", "", "tenant GUID or verified domain (required); the run refuses a token of another tenant")
	f.StringVar(&o.Auth, "auth", "", "authentication: "+strings.Join(auth.Modes(), ", ")+" (default devicecode when interactive)")
	f.StringVar(&o.Cloud, "cloud", o.Cloud, "cloud: "+strings.Join(auth.CloudNames(), ", "))
	f.StringVar(&o.GraphEndpoint, "graph-endpoint", "", "Graph service root without version (default per --cloud)")
	f.StringVar(&o.ExchangeEndpoint, "exchange-endpoint", "", "Exchange service root without path (default per --cloud)")
	f.StringVar(&o.Out, "out", "", "snapshot directory, or a path ending in .zip (default m365audit-<domain>-<UTC time>)")
	f.StringArrayVar(&o.IncidentUsers, "incident-user", nil, "compromised user UPN (repeatable); collects the incident datasets")
	f.StringVar(&o.IncidentStart, "incident-start", "", "incident window start, RFC 3339 (e.g. 2026-11-10T00:00:00Z)")
	f.StringVar(&o.ClientID, "client-id", "", "app (client) id for secret, certificate, devicecode and browser modes")
	f.StringVar(&o.ClientSecret, "client-secret", "", "client secret for --auth secret (prefer env "+auth.EnvClientSecret+")")
	f.StringVar(&o.Certificate, "certificate", "", "PEM or PFX file for --auth certificate (password in env "+auth.EnvCertificatePassword+")")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "chains of datasets collected at once, 1-16 (default: one per chain, up to 16)")
	f.StringVar(&o.Resume, "resume", "", "continue the interrupted snapshot in this directory (same --tenant and sign-in)")
	f.StringVar(&o.Previous, "previous", "", "an earlier snapshot of the same tenant (directory or .zip): its counts give the progress view an estimated ETA")
	f.StringVar(&o.SignKey, "sign-key", "", "Ed25519 private key file (m365audit keygen): sign the manifest (manifest.sig)")
	f.BoolVar(&o.Preflight, "preflight", false, "sign in and check permissions and licences for every dataset without collecting; exit 3 when something would not be collected")
	return cmd
}

// validate checks every flag before any network call; failures are usage
// errors (exit 2).
func (o collectOptions) validate(g *globalOptions) (*collectPlan, error) {
	p := &collectPlan{out: o.Out, concurrency: o.Concurrency}
	t := strings.TrimSpace(o.Tenant)
	switch {
	case t == "":
		return nil, usagef("--tenant is required (tenant GUID or verified domain)")
	case collect.IsGUID(t) || domainRE.MatchString(t):
		p.tenant = t
	default:
		return nil, usagef("--tenant %q: want a tenant GUID or a domain such as contoso.com", o.Tenant)
	}
	c, err := auth.LookupCloud(o.Cloud)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--cloud: %w", err)}
	}
	p.cloud = c
	p.graphRoot, p.exchangeRoot = c.GraphRoot, c.ExchangeRoot
	if o.GraphEndpoint != "" {
		if p.graphRoot, err = auth.ParseServiceRoot("graph-endpoint", o.GraphEndpoint); err != nil {
			return nil, &usageError{err}
		}
	}
	if o.ExchangeEndpoint != "" {
		if p.exchangeRoot, err = auth.ParseServiceRoot("exchange-endpoint", o.ExchangeEndpoint); err != nil {
			return nil, &usageError{err}
		}
	}
	if o.Concurrency < 0 || o.Concurrency > 16 {
		return nil, usagef("--concurrency %d: use 1 to 16 (or leave it out: one slot per chain of datasets)", o.Concurrency)
	}
	if o.Resume != "" {
		if o.Out != "" {
			return nil, usagef("--resume continues the snapshot in its own directory: leave out --out")
		}
		if len(o.IncidentUsers) > 0 || o.IncidentStart != "" {
			return nil, usagef("--resume uses the incident of the interrupted run: leave out --incident-user and --incident-start")
		}
		st, err := os.Stat(o.Resume)
		if err != nil || !st.IsDir() {
			return nil, usagef("--resume %s: not a snapshot directory", o.Resume)
		}
		p.resume = o.Resume
	}
	if o.Previous != "" {
		if p.previous, err = readPrevious(o.Previous, t); err != nil {
			return nil, &usageError{err}
		}
	}
	mode := o.Auth
	if mode == "" {
		if !g.interactive {
			return nil, usagef("--auth is required when not run interactively (one of %s)", strings.Join(auth.Modes(), ", "))
		}
		mode = auth.ModeDeviceCode
	}
	p.auth = auth.Options{Mode: mode, TenantID: t, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		CertificatePath: o.Certificate, Cloud: c, CloudChosen: o.CloudChosen, Prompt: g.stderr, Getenv: g.getenv}
	if err := p.auth.Validate(); err != nil {
		return nil, &usageError{err}
	}
	if o.Certificate != "" {
		if _, err := os.Stat(o.Certificate); err != nil {
			return nil, usagef("--certificate: %v", err)
		}
	}
	if p.signKey, err = readSignKey(o.SignKey); err != nil {
		return nil, err
	}
	inc, err := parseIncident(o.IncidentUsers, o.IncidentStart, g.now())
	if err != nil {
		return nil, &usageError{err}
	}
	p.incident = inc
	return p, nil
}

// parseIncident validates --incident-user/--incident-start: both or neither.
func parseIncident(users []string, start string, now time.Time) (*snapshot.Incident, error) {
	if len(users) == 0 && start == "" {
		return nil, nil
	}
	if len(users) == 0 {
		return nil, errors.New("--incident-start needs at least one --incident-user")
	}
	if start == "" {
		return nil, errors.New("--incident-user needs --incident-start (RFC 3339, e.g. 2026-11-10T00:00:00Z)")
	}
	ts, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return nil, fmt.Errorf("--incident-start %q: not an RFC 3339 time (e.g. 2026-11-10T00:00:00Z)", start)
	}
	if ts.After(now) {
		return nil, fmt.Errorf("--incident-start %s is in the future", start)
	}
	seen := map[string]bool{}
	var list []string
	for _, u := range users {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "@") && !collect.IsGUID(u) {
			return nil, fmt.Errorf("--incident-user %q: want a user principal name (user@domain) or object id", u)
		}
		if k := strings.ToLower(u); !seen[k] {
			seen[k] = true
			list = append(list, u)
		}
	}
	sort.Strings(list)
	return &snapshot.Incident{Users: list, Start: ts.UTC()}, nil
}

func runCollect(ctx context.Context, g *globalOptions, p *collectPlan) error {
	log := g.logger()
	var prog *ttyProgress
	if g.interactive {
		// Everything written to stderr while the progress line is shown (log
		// lines, a device-code prompt) goes through the progress view, which
		// clears its line first.
		prog = newTTYProgress(g.stderr, g.now)
		defer prog.Clear()
		if p.previous != nil {
			prog.SetExpected(p.previous.counts)
		}
		log = g.loggerTo(prog.LogWriter())
		p.auth.Prompt = prog.LogWriter()
	}
	tokens, err := auth.New(p.auth)
	if err != nil {
		return err
	}
	announcePreflight(ctx, g, p, tokens, log)
	cfg := collect.Config{
		GraphRoot: p.graphRoot, ExchangeRoot: p.exchangeRoot, Cloud: p.cloud.Name, Tokens: tokens,
		Tenant: p.tenant, Out: p.out, Incident: p.incident, ToolVersion: g.version,
		Concurrency: p.concurrency, Logger: log, Now: g.now, Resume: p.resume,
	}
	if p.previous != nil {
		cfg.PreviousTenant = p.previous.tenant.ID
	}
	if prog != nil {
		cfg.Progress = prog
	}
	rep, err := collect.Run(ctx, cfg)
	if prog != nil {
		// The summary and any error follow on a clean line.
		prog.Clear()
	}
	if errors.Is(err, collect.ErrInterrupted) && rep != nil && rep.Path != "" {
		_ = collect.WriteSummary(g.stderr, rep.Manifest, rep.Path)
		return fmt.Errorf("collection interrupted: the snapshot in %s is incomplete (complete: false); continue it with: m365audit collect --resume %s --tenant %s (and the same sign-in options)",
			rep.Path, rep.Path, p.tenant)
	}
	if errors.Is(err, collect.ErrUnknownIncidentUser) {
		// A misspelt --incident-user is a usage error, found before any dataset.
		return &usageError{fmt.Errorf("--incident-user: %w", err)}
	}
	if err != nil {
		return err
	}
	if len(rep.RefusedWrites) > 0 {
		return fmt.Errorf("read-only guard refused %d request(s): %s (a bug: please report it)", len(rep.RefusedWrites), strings.Join(rep.RefusedWrites, ", "))
	}
	if err := collect.WriteSummary(g.stderr, rep.Manifest, rep.Path); err != nil {
		return err
	}
	if err := sealSnapshot(g.stderr, rep.Path, p.signKey); err != nil {
		return err
	}
	_, err = fmt.Fprintln(g.stdout, rep.Path)
	return err
}

// previousSnapshot is what collect takes from --previous: the tenant and
// the per-dataset counts of its manifest.
type previousSnapshot struct {
	tenant snapshot.Tenant
	counts map[string]int64
}

// readPrevious reads the manifest of an earlier snapshot (with the
// loader's manifest checks; no dataset file is read) and refuses one of
// another tenant than --tenant names: a GUID must be the snapshot's tenant
// id, a domain its primary or initial domain (the run also checks the
// tenant it reads against the snapshot's). Only datasets collected whole
// (status ok) give a count.
func readPrevious(path, tenant string) (*previousSnapshot, error) {
	m, err := snapshot.LoadManifest(path)
	if err != nil {
		return nil, fmt.Errorf("--previous: %w", err)
	}
	t := m.Tenant
	if t.ID == "" {
		return nil, fmt.Errorf("--previous %s: the snapshot records no tenant (its collection stopped before the tenant was read); give an earlier snapshot of %s", path, tenant)
	}
	var domains, shown []string
	for _, d := range []string{t.PrimaryDomain, t.InitialDomain} {
		if d != "" && !slices.Contains(domains, d) {
			domains = append(domains, d)
			// Quoted: the manifest is a file, and its text reaches a terminal.
			shown = append(shown, strconv.Quote(d))
		}
	}
	id := strconv.Quote(t.ID)
	switch {
	case collect.IsGUID(tenant) && !strings.EqualFold(tenant, t.ID):
		return nil, fmt.Errorf("--previous %s holds tenant %s (%s), not --tenant %s: give an earlier snapshot of the same tenant",
			path, id, strings.Join(shown, ", "), tenant)
	case !collect.IsGUID(tenant) && !slices.ContainsFunc(domains, func(d string) bool { return strings.EqualFold(d, tenant) }):
		return nil, fmt.Errorf("--previous %s holds tenant %s (%s), and --tenant %s is not one of its domains: give an earlier snapshot of the same tenant (or --tenant %s if it is)",
			path, id, strings.Join(shown, ", "), tenant, id)
	}
	counts := map[string]int64{}
	for id, d := range m.Datasets {
		if d.Status == snapshot.StatusOK && d.Count > 0 {
			counts[id] = int64(d.Count)
		}
	}
	return &previousSnapshot{tenant: t, counts: counts}, nil
}
