package m365audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

var update = flag.Bool("update", false, "rewrite testdata/contoso/manifest.json counts and sha256 from the dataset files")

const contosoDir = "testdata/contoso"

// datasetCount counts the objects of a dataset file the way snapshot.Writer
// does: list items, 1 for an object, every item of every key for perKey.
func datasetCount(t *testing.T, shape snapshot.Shape, data []byte) int {
	t.Helper()
	switch shape {
	case snapshot.ShapeObject:
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("object dataset: %v", err)
		}
		return 1
	case snapshot.ShapePerKey:
		var m map[string][]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("perKey dataset: %v", err)
		}
		n := 0
		for _, v := range m {
			n += len(v)
		}
		return n
	default:
		var l []json.RawMessage
		if err := json.Unmarshal(data, &l); err != nil {
			t.Fatalf("list dataset: %v", err)
		}
		return len(l)
	}
}

// rewriteManifest recomputes counts and hashes after a dataset file was
// edited by hand (go test -run TestContosoSample -update).
func rewriteManifest(t *testing.T) {
	t.Helper()
	p := filepath.Join(contosoDir, snapshot.ManifestFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m snapshot.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for id, info := range m.Datasets {
		if !info.Status.HasData() {
			continue
		}
		sp, ok := snapshot.SpecByID(id)
		if !ok {
			t.Fatalf("manifest lists unknown dataset %s", id)
		}
		data, err := os.ReadFile(filepath.Join(contosoDir, info.File))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		info.SHA256 = hex.EncodeToString(sum[:])
		info.Count = datasetCount(t, sp.Shape, data)
		m.Datasets[id] = info
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContosoSample(t *testing.T) {
	if *update {
		rewriteManifest(t)
	}
	disk, err := snapshot.LoadFS(os.DirFS(contosoDir), snapshot.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v (edited a dataset? run go test -run TestContosoSample -update)", contosoDir, err)
	}
	if !*update {
		fsys, err := SampleTenant()
		if err != nil {
			t.Fatal(err)
		}
		emb, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
		if err != nil {
			t.Fatalf("load embedded sample: %v", err)
		}
		if emb.Manifest.Tenant != disk.Manifest.Tenant {
			t.Fatalf("embedded tenant %+v != disk %+v", emb.Manifest.Tenant, disk.Manifest.Tenant)
		}
	}
	s := disk
	m := s.Manifest
	if m.SchemaVersion != 1 || m.Tool.Name != "m365audit" || m.Cloud != "global" {
		t.Errorf("manifest header: %+v %+v %q", m.SchemaVersion, m.Tool, m.Cloud)
	}
	if m.Tenant.ID != "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b" || m.Tenant.InitialDomain != "contoso.onmicrosoft.com" {
		t.Errorf("tenant: %+v", m.Tenant)
	}
	if m.Incident == nil || len(m.Incident.Users) != 1 || m.Incident.Users[0] != "adele.vance@contoso.com" ||
		!m.Incident.Start.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("incident: %+v", m.Incident)
	}
	unlicensed := map[string]bool{snapshot.DSRiskyUsers: true, snapshot.DSRiskDetections: true}
	for _, sp := range snapshot.Specs() {
		info, ok := m.Datasets[sp.ID]
		if !ok {
			t.Errorf("dataset %s missing from the manifest", sp.ID)
			continue
		}
		want := snapshot.StatusOK
		if unlicensed[sp.ID] {
			want = snapshot.StatusUnlicensed
		}
		if info.Status != want {
			t.Errorf("dataset %s: status %s, want %s", sp.ID, info.Status, want)
		}
		if !info.Status.HasData() {
			if info.File != "" || info.Reason == "" {
				t.Errorf("dataset %s: a %s dataset has no file and says why: %+v", sp.ID, info.Status, info)
			}
			continue
		}
		data, err := s.Raw(sp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := datasetCount(t, sp.Shape, data); got != info.Count {
			t.Errorf("dataset %s: manifest count %d, file has %d (run -update)", sp.ID, info.Count, got)
		}
		if bytes.Contains(data, []byte("secretText")) {
			t.Errorf("dataset %s carries secretText: samples hold credential metadata only", sp.ID)
		}
	}
	for _, id := range []string{snapshot.DSDirectoryAudits, snapshot.DSSignIns} {
		w := m.Datasets[id].Window
		if w == nil || !w.From.Equal(m.Incident.Start) || !w.To.Equal(m.CollectedAt) {
			t.Errorf("dataset %s: window %+v does not span the incident", id, w)
		}
	}
	for id := range m.Datasets {
		if _, ok := snapshot.SpecByID(id); !ok {
			t.Errorf("manifest lists dataset %s that the registry does not know", id)
		}
	}
}

// TestContosoSampleDecodes runs every typed accessor, so a field whose shape
// drifts from what the checks decode fails here first.
func TestContosoSampleDecodes(t *testing.T) {
	s := loadContoso(t)
	calls := map[string]func() error{
		"Organizations":                  func() error { _, err := s.Organizations(); return err },
		"Domains":                        func() error { _, err := s.Domains(); return err },
		"SubscribedSkus":                 func() error { _, err := s.SubscribedSkus(); return err },
		"Users":                          func() error { _, err := s.Users(); return err },
		"RegistrationDetails":            func() error { _, err := s.RegistrationDetails(); return err },
		"SecurityDefaults":               func() error { _, err := s.SecurityDefaults(); return err },
		"ConditionalAccessPolicies":      func() error { _, err := s.ConditionalAccessPolicies(); return err },
		"NamedLocations":                 func() error { _, err := s.NamedLocations(); return err },
		"AuthenticationStrengths":        func() error { _, err := s.AuthenticationStrengths(); return err },
		"AuthorizationPolicy":            func() error { _, err := s.AuthorizationPolicy(); return err },
		"AuthenticationMethodsPolicy":    func() error { _, err := s.AuthenticationMethodsPolicy(); return err },
		"AdminConsentRequestPolicy":      func() error { _, err := s.AdminConsentRequestPolicy(); return err },
		"RoleDefinitions":                func() error { _, err := s.RoleDefinitions(); return err },
		"RoleAssignments":                func() error { _, err := s.RoleAssignments(); return err },
		"CrossTenantAccessPolicyDefault": func() error { _, err := s.CrossTenantAccessPolicyDefault(); return err },
		"OAuth2PermissionGrants":         func() error { _, err := s.OAuth2PermissionGrants(); return err },
		"ServicePrincipals":              func() error { _, err := s.ServicePrincipals(); return err },
		"Applications":                   func() error { _, err := s.Applications(); return err },
		"OrganizationConfig":             func() error { _, err := s.OrganizationConfig(); return err },
		"TransportConfig":                func() error { _, err := s.TransportConfig(); return err },
		"AdminAuditLogConfig":            func() error { _, err := s.AdminAuditLogConfig(); return err },
		"CASMailboxes":                   func() error { _, err := s.CASMailboxes(); return err },
		"CASMailboxPlans":                func() error { _, err := s.CASMailboxPlans(); return err },
		"RemoteDomains":                  func() error { _, err := s.RemoteDomains(); return err },
		"OutboundSpamPolicies":           func() error { _, err := s.OutboundSpamPolicies(); return err },
		"OutboundSpamRules":              func() error { _, err := s.OutboundSpamRules(); return err },
		"Mailboxes":                      func() error { _, err := s.Mailboxes(); return err },
		"AuditBypassAssociations":        func() error { _, err := s.AuditBypassAssociations(); return err },
		"TransportRules":                 func() error { _, err := s.TransportRules(); return err },
	}
	for name, f := range calls {
		if err := f(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func loadContoso(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	fsys, err := SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestContosoStory pins the facts the seed story needs, so an edit that
// breaks the narrative (or a reference between datasets) fails loudly.
func TestContosoStory(t *testing.T) {
	s := loadContoso(t)
	start := s.Manifest.Incident.Start
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]snapshot.User{}
	byUPN := map[string]snapshot.User{}
	var members, guests int
	for _, u := range users {
		byID[u.ID] = u
		byUPN[strings.ToLower(u.UserPrincipalName)] = u
		if u.IsGuest() {
			guests++
		} else {
			members++
		}
	}
	if members < 12 || guests < 8 {
		t.Errorf("members %d guests %d, want ~14 and ~8", members, guests)
	}
	adele, ok := byUPN["adele.vance@contoso.com"]
	if !ok {
		t.Fatal("Adele Vance missing")
	}

	t.Run("licences and policies", func(t *testing.T) {
		skus, _ := s.SubscribedSkus()
		var p1, p2 bool
		for _, sku := range skus {
			for _, p := range sku.ServicePlans {
				p1 = p1 || p.ServicePlanName == "AAD_PREMIUM"
				p2 = p2 || p.ServicePlanName == "AAD_PREMIUM_P2"
			}
		}
		if !p1 || p2 {
			t.Errorf("want Entra ID P1 without P2: p1=%v p2=%v", p1, p2)
		}
		sd, _ := s.SecurityDefaults()
		if sd == nil || !sd.IsEnabled {
			t.Error("security defaults must be on")
		}
		ca, err := s.ConditionalAccessPolicies()
		if err != nil || len(ca) != 0 {
			t.Errorf("want zero CA policies (collected), got %d, %v", len(ca), err)
		}
		if adele.SignInActivity == nil {
			t.Error("P1 tenant: users carry signInActivity")
		}
		ap, _ := s.AuthorizationPolicy()
		if ap.AllowInvitesFrom != "everyone" || ap.DefaultUserRolePermissions.AllowedToCreateApps == nil || !*ap.DefaultUserRolePermissions.AllowedToCreateApps {
			t.Errorf("authorization policy: %+v", ap)
		}
		amp, _ := s.AuthenticationMethodsPolicy()
		for id, want := range map[string]string{"Sms": "enabled", "Voice": "disabled", "Email": "enabled", "MicrosoftAuthenticator": "enabled"} {
			c, ok := amp.Configuration(id)
			if !ok || c.State != want {
				t.Errorf("auth method %s: %q, want %q", id, c.State, want)
			}
		}
	})

	t.Run("guests and inviters", func(t *testing.T) {
		inv, err := snapshot.PerKey[snapshot.DirectoryObject](s, snapshot.DSGuestInviters)
		if err != nil {
			t.Fatal(err)
		}
		byAdele := 0
		names := map[string]bool{}
		for _, u := range users {
			if !u.IsGuest() {
				continue
			}
			names[u.DisplayName] = true
			list, ok := inv[u.ID]
			if !ok || len(list) != 1 || list[0].ODataType != "#microsoft.graph.user" {
				t.Errorf("guest %s: inviter %+v", u.DisplayName, list)
				continue
			}
			if _, ok := byID[list[0].ID]; !ok {
				t.Errorf("guest %s: inviter %s is not a user", u.DisplayName, list[0].ID)
			}
			if list[0].ID == adele.ID {
				byAdele++
				if u.CreatedDateTime == nil || u.CreatedDateTime.Before(start) || u.CreationType != "Invitation" {
					t.Errorf("attacker guest %s created %v outside the window", u.DisplayName, u.CreatedDateTime)
				}
			}
		}
		if byAdele != 5 {
			t.Errorf("guests invited by Adele: %d, want 5", byAdele)
		}
		for _, n := range []string{"'; Remove-MgUser -UserId 'x'; '", `=HYPERLINK("http://evil.example","click")`, "陳大文", "山田太郎", "\u200fمحمد علي", "Ryan O’Neil"} {
			if !names[n] {
				t.Errorf("hostile guest name %q missing", n)
			}
		}
	})

	t.Run("adele's mailbox and methods", func(t *testing.T) {
		rules, err := snapshot.PerKey[map[string]any](s, snapshot.DSIncidentMessageRules)
		if err != nil {
			t.Fatal(err)
		}
		folders, err := snapshot.PerKey[map[string]any](s, snapshot.DSIncidentMailFolders)
		if err != nil {
			t.Fatal(err)
		}
		fids := map[string]string{}
		for _, f := range folders[adele.ID] {
			fids[f["id"].(string)] = f["displayName"].(string)
		}
		targets := map[string]bool{}
		forwards := 0
		for _, r := range rules[adele.ID] {
			a := r["actions"].(map[string]any)
			if id, ok := a["moveToFolder"].(string); ok {
				name, known := fids[id]
				if !known {
					t.Errorf("rule %v moves to unknown folder %s", r["displayName"], id)
				}
				targets[name] = true
			}
			if f, ok := a["forwardTo"].([]any); ok && len(f) > 0 {
				forwards++
			}
		}
		if !targets["RSS Feeds"] || !targets["Newsletters"] || forwards != 1 {
			t.Errorf("rule targets %v forwards %d", targets, forwards)
		}
		methods, err := snapshot.PerKey[map[string]any](s, snapshot.DSIncidentAuthMethods)
		if err != nil {
			t.Fatal(err)
		}
		var newAuth, oldAuth, phone bool
		for _, m := range methods[adele.ID] {
			switch m["@odata.type"] {
			case "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod":
				c, _ := time.Parse(time.RFC3339, m["createdDateTime"].(string))
				if c.Before(start) {
					oldAuth = true
				} else {
					newAuth = m["displayName"] == "Galaxy S9"
				}
			case "#microsoft.graph.phoneAuthenticationMethod":
				_, has := m["createdDateTime"]
				phone = !has
			}
		}
		if !newAuth || !oldAuth || !phone {
			t.Errorf("methods: new %v old %v phone-without-createdDateTime %v", newAuth, oldAuth, phone)
		}
		mbx, _ := s.Mailboxes()
		fwd := ""
		for _, m := range mbx {
			if m.ExternalDirectoryObjectID == adele.ID {
				fwd = m.ForwardingSmtpAddress
			}
			if _, ok := byID[m.ExternalDirectoryObjectID]; !ok {
				t.Errorf("mailbox %s: no user %s", m.Label(), m.ExternalDirectoryObjectID)
			}
		}
		if fwd != "smtp:adele.v.backup@gmail.com" {
			t.Errorf("Adele forwarding %q", fwd)
		}
		cas, _ := s.CASMailboxes()
		if len(cas) != len(mbx) {
			t.Errorf("CAS rows %d != mailboxes %d", len(cas), len(mbx))
		}
	})

	t.Run("logs", func(t *testing.T) {
		type signIn struct {
			UserID        string    `json:"userId"`
			Created       time.Time `json:"createdDateTime"`
			ClientAppUsed string    `json:"clientAppUsed"`
			Status        struct {
				ErrorCode int `json:"errorCode"`
			} `json:"status"`
			Location struct {
				CountryOrRegion string `json:"countryOrRegion"`
			} `json:"location"`
			ConditionalAccessStatus string `json:"conditionalAccessStatus"`
		}
		sis, err := snapshot.List[signIn](s, snapshot.DSSignIns)
		if err != nil {
			t.Fatal(err)
		}
		legacy := map[string]int{}
		for _, si := range sis {
			if si.Created.Before(start) || si.Created.After(s.Manifest.CollectedAt) {
				t.Errorf("sign-in at %v outside the window", si.Created)
			}
			if si.ConditionalAccessStatus != "notApplied" {
				t.Errorf("no CA policies, yet conditionalAccessStatus %q", si.ConditionalAccessStatus)
			}
			if si.UserID == adele.ID && si.Status.ErrorCode == 0 && si.Location.CountryOrRegion != "US" {
				legacy[si.ClientAppUsed]++
			}
		}
		if legacy["IMAP4"] == 0 || legacy["Authenticated SMTP"] == 0 {
			t.Errorf("attacker legacy sign-ins: %v", legacy)
		}
		type audit struct {
			Activity string    `json:"activityDisplayName"`
			At       time.Time `json:"activityDateTime"`
		}
		auds, err := snapshot.List[audit](s, snapshot.DSDirectoryAudits)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, a := range auds {
			if a.At.Before(start) {
				t.Errorf("audit %s at %v before the window", a.Activity, a.At)
			}
			seen[a.Activity]++
		}
		if seen["Invite external user"] != 6 || seen["User registered security info"] != 2 || seen["Consent to application"] != 1 {
			t.Errorf("audit activities: %v", seen)
		}
	})

	t.Run("roles", func(t *testing.T) {
		ras, _ := s.RoleAssignments()
		defs, _ := s.RoleDefinitions()
		known := map[string]string{}
		for _, d := range defs {
			known[d.ID] = d.DisplayName
		}
		ga := 0
		for _, ra := range ras {
			if _, ok := known[ra.RoleDefinitionID]; !ok {
				t.Errorf("assignment %s: unknown role %s", ra.ID, ra.RoleDefinitionID)
			}
			if ra.Principal == nil || ra.Principal.ODataType == "" || ra.Principal.ID != ra.PrincipalID {
				t.Errorf("assignment %s: principal not expanded: %+v", ra.ID, ra.Principal)
			}
			if known[ra.RoleDefinitionID] == "Global Administrator" {
				ga++
			}
		}
		if ga != 3 {
			t.Errorf("global admins: %d, want 3", ga)
		}
	})
}
