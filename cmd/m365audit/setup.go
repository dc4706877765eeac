package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/collect"
	"github.com/m365audit/m365audit/setup"
)

// setupOptions are the flags of `setup`.
type setupOptions struct {
	Tenant           string
	Out              string
	AppName          string
	Cloud            string
	Incident         bool
	MultiTenant      bool
	CertificateFile  string
	PrintPermissions bool
	Format           string
}

// Files `setup` writes into --out.
const (
	setupScriptFile = "setup-app.ps1"
	setupCertFile   = "app.cer"
	setupKeyFile    = "app.pem"
)

func newSetupCmd(g *globalOptions) *cobra.Command {
	o := setupOptions{Out: ".", Cloud: auth.CloudGlobal, AppName: setup.DefaultAppName, Format: "text"}
	cmd := &cobra.Command{
		Use:   "setup --tenant ID|DOMAIN [--out DIR] | setup --print-permissions [--format text|json]",
		Short: "Write setup-app.ps1, which registers the app for app-only collection with exactly the permissions needed",
		Long: "Write a reviewable PowerShell script (setup-app.ps1) that creates the app registration for app-only\n" +
			"collection: the Microsoft Graph application permissions the datasets need, Exchange.ManageAsApp, the\n" +
			"Global Reader role for the app, a certificate credential and admin consent. Run it with -WhatIf first.\n" +
			"Unless --certificate-file is given, a new self-signed certificate is generated here: app.cer (public,\n" +
			"uploaded by the script) and app.pem (certificate and private key, for collect --certificate; keep it secret).\n" +
			"--print-permissions lists the permissions instead (text or --format json).\n\n" + exitCodesHelp("written", exitCode{exitCannotRun, "could not write setup-app.ps1 or the certificate, or read --certificate-file"}),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSetup(g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Tenant, "tenant", "", "tenant GUID or verified domain the script must run in (required unless --print-permissions)")
	f.StringVar(&o.Out, "out", o.Out, "directory for setup-app.ps1, app.cer and app.pem")
	f.StringVar(&o.AppName, "app-name", o.AppName, "display name of the app registration")
	f.StringVar(&o.Cloud, "cloud", o.Cloud, "cloud: "+strings.Join(auth.CloudNames(), ", "))
	f.BoolVar(&o.Incident, "incident", false, "also request the permissions only incident collection needs")
	f.BoolVar(&o.MultiTenant, "multi-tenant", false, "register a multi-tenant app (client tenants consent with the printed URL)")
	f.StringVar(&o.CertificateFile, "certificate-file", "", "use this public certificate (PEM or DER) instead of generating one")
	f.BoolVar(&o.PrintPermissions, "print-permissions", false, "print the permissions and exit")
	f.StringVar(&o.Format, "format", o.Format, "--print-permissions output: text or json")
	return cmd
}

func runSetup(g *globalOptions, o setupOptions) error {
	if o.Format != "text" && o.Format != "json" {
		return usagef("--format %q: use text or json", o.Format)
	}
	plan := setup.NewPlan(o.Incident)
	if o.PrintPermissions {
		return printPermissions(g.stdout, plan, o.Format)
	}
	t := strings.TrimSpace(o.Tenant)
	if t == "" {
		return usagef("--tenant is required (tenant GUID or verified domain)")
	}
	if !collect.IsGUID(t) && !domainRE.MatchString(t) {
		return usagef("--tenant %q: want a tenant GUID or a domain such as contoso.com", o.Tenant)
	}
	if strings.TrimSpace(o.AppName) == "" {
		return usagef("--app-name must not be empty")
	}
	c, err := auth.LookupCloud(o.Cloud)
	if err != nil {
		return &usageError{fmt.Errorf("--cloud: %w", err)}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return &exitError{exitCannotRun, fmt.Errorf("create %s: %w", o.Out, err)}
	}
	scriptPath := filepath.Join(o.Out, setupScriptFile)
	for _, p := range []string{scriptPath, filepath.Join(o.Out, setupKeyFile)} {
		if _, err := os.Stat(p); err == nil && (o.CertificateFile == "" || p == scriptPath) {
			return &exitError{exitCannotRun, fmt.Errorf("%s already exists; choose another --out (nothing was overwritten)", p)}
		}
	}
	so := setup.Options{Tenant: t, AppName: o.AppName, Cloud: c, Incident: o.Incident, MultiTenant: o.MultiTenant,
		ToolVersion: g.version}
	var keyNote string
	if o.CertificateFile != "" {
		cert, err := setup.LoadCertificate(o.CertificateFile)
		if err != nil {
			return &usageError{fmt.Errorf("--certificate-file: %w", err)}
		}
		if cert.NotAfter.Before(g.now()) {
			return usagef("--certificate-file: the certificate expired on %s", cert.NotAfter.Format(time.RFC3339))
		}
		abs, err := filepath.Abs(o.CertificateFile)
		if err != nil {
			return &exitError{exitCannotRun, err}
		}
		so.CertificateFile = abs
		so.KeyFile = "<PEM with this certificate and its private key>"
	} else {
		cert, err := setup.GenerateCertificate("m365audit "+o.AppName, g.now(), 365*24*time.Hour)
		if err != nil {
			return &exitError{exitCannotRun, err}
		}
		if err := writeNew(filepath.Join(o.Out, setupKeyFile), cert.KeyPEM, 0o600); err != nil {
			return &exitError{exitCannotRun, err}
		}
		if err := writeNew(filepath.Join(o.Out, setupCertFile), cert.DER, 0o644); err != nil {
			return &exitError{exitCannotRun, err}
		}
		so.CertificateFile = setupCertFile
		so.KeyFile = filepath.Join(o.Out, setupKeyFile)
		keyNote = fmt.Sprintf("Certificate %s (valid until %s): %s is the private key, keep it secret; %s is uploaded.\n",
			cert.Thumbprint, cert.NotAfter.Format("2006-01-02"), filepath.Join(o.Out, setupKeyFile), filepath.Join(o.Out, setupCertFile))
	}
	script, err := setup.Script(so, plan)
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	// The UTF-8 byte order mark makes Windows PowerShell 5.1 read the
	// script as UTF-8.
	if err := writeNew(scriptPath, append([]byte("\uFEFF"), script...), 0o644); err != nil {
		return &exitError{exitCannotRun, err}
	}
	w := g.stdout
	fmt.Fprintf(w, "Wrote %s\n%s", scriptPath, keyNote)
	fmt.Fprintf(w, "Review it, then run it as a Global Administrator of %s:\n  pwsh %s -WhatIf\n  pwsh %s\n", t, scriptPath, scriptPath)
	fmt.Fprintf(w, "It requests %d application permissions and the %s role; `m365audit setup --print-permissions` lists them.\n",
		len(plan.Permissions), strings.Join(plan.Roles, ", "))
	fmt.Fprintf(w, "Then collect with (the script prints the application id):\n  %s\n",
		setup.CollectCommand(c, t, "<application id>", so.KeyFile))
	if o.MultiTenant {
		fmt.Fprintf(w, "Each client tenant's administrator consents with:\n  %s\nand assigns the Global Reader role to the app in that tenant.\n",
			setup.ConsentURL(c, "organizations", "<application id>"))
	}
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; choose another --out (nothing was overwritten)", path)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// printPermissions lists the plan's permissions as text or JSON.
func printPermissions(w io.Writer, plan setup.Plan, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tAPPLICATION PERMISSION\tDATASETS")
	for _, p := range plan.Permissions {
		ds := strings.Join(p.Datasets, ", ")
		if len(p.Partial) > 0 {
			if ds != "" {
				ds += "; "
			}
			ds += "part of " + strings.Join(p.Partial, ", ")
		}
		if p.Incident {
			ds += " (incident only)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Resource, p.Name, ds)
	}
	for _, r := range plan.Roles {
		fmt.Fprintf(tw, "Entra ID\t%s (directory role)\tExchange Online datasets\n", r)
	}
	return tw.Flush()
}
