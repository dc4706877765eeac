package checks

import (
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

const priv007Tenant = "00000000-0000-0000-0000-0000000c0450" // testSnap's tenant

func TestEntraPRIV007(t *testing.T) {
	admin := entraRA("r1", knowledge.RoleGlobalAdministrator, "user", "u1", "Admin", "admin@contoso.com")
	// sp1 holds Exchange Administrator; its app registration is in this tenant.
	ra1 := entraRA("r2", knowledge.RoleExchangeAdministrator, "servicePrincipal", "sp1", "Invoice Sync", "", `"appId":"app-1"`)
	sp1 := entraSP("sp1", "app-1", "Invoice Sync", priv007Tenant, `"servicePrincipalType":"Application"`,
		`"keyCredentials":[{"keyId":"cert-1","type":"AsymmetricX509Cert"}]`)
	app1 := `{"id":"appobj-1","appId":"app-1","displayName":"Invoice Sync","passwordCredentials":[],"keyCredentials":[{"keyId":"cert-1"}]}`
	app1Secret := `{"id":"appobj-1","appId":"app-1","displayName":"Invoice Sync","passwordCredentials":[{"keyId":"k-2","displayName":"prod","endDateTime":"2031-03-15T10:22:41Z"},{"keyId":"k-1"}]}`
	// sp2 holds Global Reader only: not privileged.
	ra2 := entraRA("r3", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "servicePrincipal", "sp2", "Reader", "")
	sp2 := entraSP("sp2", "app-2", "Reader", priv007Tenant, `"passwordCredentials":[{"keyId":"k-9"}]`)
	// mi holds Privileged Role Administrator through an assignment whose principal was not expanded.
	raMI := `{"id":"r4","principalId":"mi","roleDefinitionId":"e8611ab8-c189-46e8-94e1-60213ab1f814","directoryScopeId":"/"}`
	spMI := entraSP("mi", "app-mi", "Runbook identity", "", `"servicePrincipalType":"ManagedIdentity"`)
	// vendor holds Application Administrator; its app lives in another tenant.
	raVendor := entraRA("r5", knowledge.RoleApplicationAdministrator, "servicePrincipal", "vendor", "Vendor Sync", "")
	spVendor := entraSP("vendor", "app-v", "Vendor Sync", entraOtherTenant)

	spsAll := entraList(sp1, sp2, spMI, spVendor)
	rasAll := entraList(admin, ra1, ra2, raMI, raVendor)
	noOwners := `{"sp1":[],"mi":[],"vendor":[],"sp2":[]}`
	hostileOwner := `{"sp1":[{"@odata.type":"#microsoft.graph.user","id":"u9","displayName":` + entraJS(entraHostileXLSX) + `,"userPrincipalName":"dev@contoso.com"}],"mi":[],"vendor":[]}`
	base := func(over map[string]string) map[string]string {
		f := map[string]string{
			snapshot.DSRoleAssignments:        rasAll,
			snapshot.DSServicePrincipals:      spsAll,
			snapshot.DSServicePrincipalOwners: noOwners,
			snapshot.DSApplications:           entraList(app1),
			snapshot.DSApplicationOwners:      `{"appobj-1":[]}`,
		}
		for k, v := range over {
			f[k] = v
		}
		return f
	}
	without := func(f map[string]string, ids ...string) map[string]string {
		for _, id := range ids {
			delete(f, id)
		}
		return f
	}

	runEntraCases(t, "ENTRA-PRIV-007", []entraCase{
		{name: "pass: certificates only, managed identity, app of another tenant", want: StatusPass, files: base(nil),
			summary:  []string{"3 service principals holding privileged roles have no owners and no client secrets", "Invoice Sync", "Runbook identity", "Vendor Sync"},
			affected: []string{}},
		{name: "pass: no service principal in a privileged role (Global Reader is not one)", want: StatusPass,
			files:   base(map[string]string{snapshot.DSRoleAssignments: entraList(admin, ra2)}),
			summary: []string{"No service principal holds a privileged role"}},
		{name: "fail: owner of the service principal (hostile name)", want: StatusFail,
			files:    base(map[string]string{snapshot.DSServicePrincipalOwners: hostileOwner}),
			summary:  []string{"1 service principal holding privileged roles has owners or client secrets: Invoice Sync."},
			affected: []string{"Invoice Sync|owner of the service principal: " + entraHostileXLSX + " (dev@contoso.com); holds Exchange Administrator"}},
		{name: "fail: client secrets and an owner on the app registration, owner named from users", want: StatusFail,
			files: base(map[string]string{
				snapshot.DSApplications:      entraList(app1Secret),
				snapshot.DSApplicationOwners: `{"APPOBJ-1":[{"@odata.type":"#microsoft.graph.user","id":"u7"}]}`,
				snapshot.DSUsers:             entraList(entraUser("u7", entraHostileRTL, "dev7@contoso.com", "Member", true)),
			}),
			summary: []string{"Invoice Sync"},
			affected: []string{
				`Invoice Sync|client secret (keyId k-1) on the app registration of Invoice Sync`,
				`Invoice Sync|client secret "prod" (keyId k-2) valid until 2031-03-15 on the app registration`,
				"Invoice Sync|owner of the app registration of Invoice Sync: " + entraHostileRTL + " (dev7@contoso.com)",
			}},
		{name: "fail: client secret on the service principal itself, principal not expanded", want: StatusFail,
			files: base(map[string]string{
				snapshot.DSRoleAssignments:   entraList(raMI),
				snapshot.DSServicePrincipals: entraList(entraSP("mi", "app-mi", "Runbook identity", "", `"servicePrincipalType":"ManagedIdentity"`, `"passwordCredentials":[{"keyId":"k-3"}]`)),
			}),
			affected: []string{"Runbook identity|client secret (keyId k-3) on the service principal; holds Privileged Role Administrator"}},
		{name: "fail stands when another one cannot be checked", want: StatusFail,
			files:    without(base(map[string]string{snapshot.DSServicePrincipalOwners: `{"vendor":[{"@odata.type":"#microsoft.graph.user","id":"u9","displayName":"Dev"}],"mi":[]}`}), snapshot.DSApplicationOwners),
			summary:  []string{"has owners or client secrets: Vendor Sync; 1 other could not be checked: Invoice Sync."},
			affected: []string{"Invoice Sync|owners of the app registration of Invoice Sync not collected", "Invoice Sync|owners of the service principal not collected", "Vendor Sync|owner of the service principal: Dev"}},
		{name: "unknown: app registrations not collected", want: StatusUnknown,
			files:    without(base(nil), snapshot.DSApplications, snapshot.DSApplicationOwners),
			summary:  []string{"unknown whether 1 of 3", "Invoice Sync"},
			affected: []string{"Invoice Sync|app registrations not collected"}},
		{name: "unknown: owners of the app registration forbidden", want: StatusUnknown,
			files: base(nil), statuses: entraForbidden(snapshot.DSApplicationOwners),
			affected: []string{"Invoice Sync|owners of the app registration of Invoice Sync not collected"}},
		{name: "unknown: service principal missing from the owners dataset", want: StatusUnknown,
			files:    base(map[string]string{snapshot.DSServicePrincipalOwners: `{"mi":[],"vendor":[]}`}),
			statuses: entraPartial(snapshot.DSServicePrincipalOwners),
			affected: []string{"Invoice Sync|owners of the service principal not collected"}},
		{name: "unknown: partial applications without the app", want: StatusUnknown,
			files:    base(map[string]string{snapshot.DSApplications: `[]`}),
			statuses: entraPartial(snapshot.DSApplications),
			affected: []string{"Invoice Sync|not in the partly collected applications dataset"}},
		{name: "pass: another tenant's app needs no app registration data", want: StatusPass,
			files: without(base(map[string]string{snapshot.DSRoleAssignments: entraList(raVendor)}), snapshot.DSApplications, snapshot.DSApplicationOwners)},
		{name: "unknown: owners forbidden", want: StatusUnknown,
			files: base(nil), statuses: entraForbidden(snapshot.DSServicePrincipalOwners)},
		{name: "unknown: service principals not collected", want: StatusUnknown,
			files: without(base(nil), snapshot.DSServicePrincipals)},
		{name: "unknown: role assignments forbidden", want: StatusUnknown,
			files: base(nil), statuses: entraForbidden(snapshot.DSRoleAssignments)},
	})
}

// TestEntraPRIV007Evidence: the rows carry typed evidence (the owner to
// remove, the secret's keyId, the roles).
func TestEntraPRIV007Evidence(t *testing.T) {
	s := testSnap(t, map[string]string{
		snapshot.DSRoleAssignments:        entraList(entraRA("r2", knowledge.RoleExchangeAdministrator, "servicePrincipal", "sp1", "Invoice Sync", "")),
		snapshot.DSServicePrincipals:      entraList(entraSP("sp1", "app-1", "Invoice Sync", priv007Tenant)),
		snapshot.DSServicePrincipalOwners: `{"sp1":[{"@odata.type":"#microsoft.graph.servicePrincipal","id":"sp8","displayName":"Deployer"}]}`,
		snapshot.DSApplications:           `[{"id":"appobj-1","appId":"app-1","displayName":"Invoice Sync","passwordCredentials":[{"keyId":"k-1"}]}]`,
		snapshot.DSApplicationOwners:      `{"appobj-1":[]}`,
	}, nil)
	r := RunCheck(entraCheck(t, IDEntraPriv007), testCtx(t, s, nil))
	if r.Status != StatusFail || len(r.Affected) != 2 {
		t.Fatalf("%s: %s%s", r.Status, r.Summary, entraDump(r.Affected))
	}
	var owner, secret Affected
	for _, a := range r.Affected {
		if a.Owner != nil {
			owner = a
		} else {
			secret = a
		}
	}
	if owner.Kind != "servicePrincipal" || owner.ID != "sp1" || owner.Owner == nil || *owner.Owner != (OwnerEvidence{ID: "sp8", Kind: "servicePrincipal"}) {
		t.Errorf("owner row: %+v owner %+v", owner, owner.Owner)
	}
	if secret.Kind != "application" || secret.ID != "appobj-1" || secret.Credential == nil || *secret.Credential != (CredentialEvidence{ObjectID: "appobj-1", AppID: "app-1", KeyID: "k-1"}) {
		t.Errorf("secret row: %+v credential %+v", secret, secret.Credential)
	}
	for _, a := range r.Affected {
		if a.Roles == nil || len(a.Roles.Roles) != 1 || a.Roles.Roles[0] != "Exchange Administrator" || a.Roles.AssignmentIDs[0] != "r2" {
			t.Errorf("%s: roles %+v", a.Detail, a.Roles)
		}
	}
}
