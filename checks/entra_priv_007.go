package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraPriv007 is the ID of check ENTRA-PRIV-007.
const IDEntraPriv007 = "ENTRA-PRIV-007"

func entraPriv007() Check {
	return Check{Meta: Meta{ID: IDEntraPriv007, Title: "Service principals in privileged roles have no owners and no client secrets", Category: entraCatPriv, Severity: SeverityCritical,
		Rationale: "An owner of a privileged service principal, or of its app registration, can add a credential and act with the role; a client secret is a password that works for anyone who finds it. Either is a path to taking over the tenant.",
		Datasets:  []string{snapshot.DSRoleAssignments, snapshot.DSServicePrincipals, snapshot.DSServicePrincipalOwners},
		AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSApplications, snapshot.DSApplicationOwners, snapshot.DSUsers},
		References: References{Other: []string{"Maester MT.1027", "Maester MT.1078",
			"Prowler entra_service_principal_privileged_role_no_owners", "Prowler entra_service_principal_no_secrets_for_permanent_tier0_roles"}},
		Remediation: Remediation{Summary: "Remove every owner of the listed service principals and of their app registrations, and replace their client secrets with a certificate (or use a managed identity).",
			Steps: []string{
				"Entra admin center > Enterprise applications > <app> > Owners, and App registrations > <app> > Owners: remove every owner.",
				"Remove-MgServicePrincipalOwnerByRef -ServicePrincipalId <id> -DirectoryObjectId <owner id>; Remove-MgApplicationOwnerByRef -ApplicationId <id> -DirectoryObjectId <owner id>",
				"Add a certificate to the app registration, move the workload to it, then Remove-MgApplicationPassword -ApplicationId <id> -KeyId <keyId> (Remove-MgServicePrincipalPassword -ServicePrincipalId <id> -KeyId <keyId> for a secret on the service principal).",
			}, Script: true}},
		Eval: evalEntraPriv007}
}

// evalEntraPriv007: every service principal holding a privileged role (an
// expanded principal of type servicePrincipal, or a principal found in the
// servicePrincipals dataset) has no owner and no password credential, and
// neither has its app registration when the app is registered in this
// tenant. Managed identities have no app registration. A service principal
// whose owners, or whose app registration or its owners, were not collected
// cannot be cleared: unknown unless another one already fails.
func evalEntraPriv007(c *Context) Outcome {
	ras, err := c.RoleAssignments()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	spOwners, err := c.ServicePrincipalOwners()
	if err != nil {
		return Unknown(err)
	}
	spByID := make(map[string]snapshot.ServicePrincipal, len(sps))
	for _, sp := range sps {
		spByID[strings.ToLower(sp.ID)] = sp
	}
	var privileged []*entraHolder
	for _, h := range entraPrivilegedHolders(c, ras, nil) {
		sp, found := spByID[strings.ToLower(h.ID)]
		if h.Kind == "servicePrincipal" || (h.Kind == "" && found) {
			if found && sp.DisplayName != "" && (h.Name == "" || h.Name == h.ID) {
				h.Name = sp.DisplayName // principal not expanded
			}
			privileged = append(privileged, h)
		}
	}
	if len(privileged) == 0 {
		return entraOutcome(StatusPass, nil, "No service principal holds a privileged role.")
	}

	e := priv007Eval{c: c, spByID: spByID, spOwners: lowerKeys(spOwners)}
	for _, h := range privileged {
		e.judge(h)
	}
	if err := e.err; err != nil {
		return Unknown(err)
	}
	all := append(append([]Affected{}, e.found...), e.unknown...)
	switch {
	case len(e.failing) > 0:
		more := ""
		if len(e.unclear) > 0 {
			more = fmt.Sprintf("; %s could not be checked: %s", phrase.Plural(len(e.unclear), "other", "others"), entraNames(e.unclear, 3))
		}
		return entraOutcome(StatusFail, all, "%s privileged roles %s owners or client secrets: %s%s.",
			phrase.Plural(len(e.failing), "service principal holding", "service principals holding"), phrase.Word(len(e.failing), "has", "have"),
			entraNames(e.failing, 5), more)
	case len(e.unclear) > 0:
		return entraOutcome(StatusUnknown, all, "It is unknown whether %d of %d service principals holding privileged roles have owners or client secrets: %s.",
			len(e.unclear), len(privileged), entraNames(e.unclear, 5))
	}
	return entraOutcome(StatusPass, nil, "%s privileged roles %s no owners and no client secrets (%s).",
		phrase.Plural(len(privileged), "service principal holding", "service principals holding"), phrase.Word(len(privileged), "has", "have"),
		entraNames(priv007Names(privileged), 5))
}

func priv007Names(hs []*entraHolder) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

// lowerKeys indexes a per-key dataset by lower-case key.
func lowerKeys(m map[string][]snapshot.DirectoryObject) map[string][]snapshot.DirectoryObject {
	out := make(map[string][]snapshot.DirectoryObject, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// priv007Eval accumulates the findings of ENTRA-PRIV-007. The optional
// datasets (applications, their owners, users for owner names) are read on
// first need.
type priv007Eval struct {
	c        *Context
	spByID   map[string]snapshot.ServicePrincipal
	spOwners map[string][]snapshot.DirectoryObject

	appsRead  bool
	apps      map[string]snapshot.Application // by lower-case appId
	appOwners map[string][]snapshot.DirectoryObject
	usersRead bool
	users     entraUserIndex

	found, unknown   []Affected
	failing, unclear []string
	err              error
}

func (e *priv007Eval) readApps() {
	if e.appsRead {
		return
	}
	e.appsRead = true
	apps, err := e.c.Applications()
	if err != nil {
		if !entraIsNotCollected(err) {
			e.err = err
		}
		return
	}
	e.apps = make(map[string]snapshot.Application, len(apps))
	for _, a := range apps {
		e.apps[strings.ToLower(a.AppID)] = a
	}
	owners, err := e.c.ApplicationOwners()
	if err != nil {
		if !entraIsNotCollected(err) {
			e.err = err
		}
		return
	}
	e.appOwners = lowerKeys(owners)
}

// ownerName names an owner from what Graph returned, else from the users or
// servicePrincipals datasets (Graph returns only the id and type of an
// owner the caller may not read).
func (e *priv007Eval) ownerName(o snapshot.DirectoryObject) (name, upn string) {
	name, upn = o.DisplayName, o.UserPrincipalName
	if name == "" && upn == "" {
		if sp, ok := e.spByID[strings.ToLower(o.ID)]; ok {
			name = sp.DisplayName
		} else {
			if !e.usersRead {
				e.usersRead = true
				idx, _, err := entraUsers(e.c)
				if err == nil {
					e.users = idx
				}
			}
			if u, ok := e.users.get(o.ID); ok {
				name, upn = u.DisplayName, u.UserPrincipalName
			}
		}
	}
	if name == "" {
		name = upn
	}
	if name == "" {
		name = o.ID
	}
	return name, upn
}

func (e *priv007Eval) judge(h *entraHolder) {
	roles := &RoleEvidence{Roles: append([]string(nil), h.Roles...), AssignmentIDs: append([]string(nil), h.Assignments...)}
	holds := "holds " + h.roleText()
	var found, unknown []Affected
	unknownRow := func(kind, id, name, why string) {
		unknown = append(unknown, Affected{Kind: kind, ID: id, Name: name, Detail: why + "; " + holds, Roles: roles})
	}
	ownerRows := func(kind, id, name, of string, owners []snapshot.DirectoryObject) {
		sorted := append([]snapshot.DirectoryObject(nil), owners...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
		for _, o := range sorted {
			oname, upn := e.ownerName(o)
			who := oname
			if upn != "" && upn != oname {
				who += " (" + upn + ")"
			}
			found = append(found, Affected{Kind: kind, ID: id, Name: name,
				Detail: fmt.Sprintf("owner of %s: %s; %s", of, who, holds), Roles: roles,
				Owner: &OwnerEvidence{ID: o.ID, Kind: o.Kind(), UPN: upn}})
		}
	}
	secretRows := func(kind, id, appID, name, on string, creds []snapshot.Credential) {
		sorted := append([]snapshot.Credential(nil), creds...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].KeyID < sorted[j].KeyID })
		for _, cr := range sorted {
			label := "client secret"
			if cr.DisplayName != "" {
				label += fmt.Sprintf(" %q", cr.DisplayName)
			}
			label += " (keyId " + cr.KeyID + ")"
			if cr.EndDateTime != nil {
				label += " valid until " + entraDate(*cr.EndDateTime)
			}
			found = append(found, Affected{Kind: kind, ID: id, Name: name,
				Detail: fmt.Sprintf("%s on %s; %s", label, on, holds), Roles: roles,
				Credential: &CredentialEvidence{ObjectID: id, AppID: appID, KeyID: cr.KeyID}})
		}
	}

	sp, ok := e.spByID[strings.ToLower(h.ID)]
	if !ok {
		unknownRow("servicePrincipal", h.ID, h.Name, "not in the servicePrincipals dataset: owners and credentials unknown")
	} else {
		if owners, ok := e.spOwners[strings.ToLower(sp.ID)]; ok {
			ownerRows("servicePrincipal", sp.ID, h.Name, "the service principal", owners)
		} else {
			unknownRow("servicePrincipal", sp.ID, h.Name, "owners of the service principal not collected")
		}
		secretRows("servicePrincipal", sp.ID, sp.AppID, h.Name, "the service principal", sp.PasswordCredentials)
		e.judgeApp(h, sp, ownerRows, secretRows, unknownRow)
	}
	e.found = append(e.found, found...)
	e.unknown = append(e.unknown, unknown...)
	switch {
	case len(found) > 0:
		e.failing = append(e.failing, h.Name)
	case len(unknown) > 0:
		e.unclear = append(e.unclear, h.Name)
	}
}

// judgeApp checks the app registration of a privileged service principal,
// when it is registered in this tenant.
func (e *priv007Eval) judgeApp(h *entraHolder, sp snapshot.ServicePrincipal,
	ownerRows func(kind, id, name, of string, owners []snapshot.DirectoryObject),
	secretRows func(kind, id, appID, name, on string, creds []snapshot.Credential),
	unknownRow func(kind, id, name, why string)) {
	if strings.EqualFold(sp.ServicePrincipalType, "ManagedIdentity") || sp.AppID == "" {
		return
	}
	tenant := e.c.Tenant().ID
	local := sp.AppOwnerOrganizationID == "" || tenant == "" || strings.EqualFold(sp.AppOwnerOrganizationID, tenant)
	e.readApps()
	if e.apps == nil {
		if local {
			unknownRow("servicePrincipal", sp.ID, h.Name, "app registrations not collected: owners and client secrets of its app registration unknown")
		}
		return
	}
	app, ok := e.apps[strings.ToLower(sp.AppID)]
	if !ok {
		if local && e.c.Info(snapshot.DSApplications).Status != snapshot.StatusOK {
			unknownRow("servicePrincipal", sp.ID, h.Name, "its app registration is not in the partly collected applications dataset")
		}
		return
	}
	of := "the app registration of " + h.Name
	secretRows("application", app.ID, app.AppID, app.DisplayName, of, app.PasswordCredentials)
	if e.appOwners == nil {
		unknownRow("application", app.ID, app.DisplayName, "owners of the app registration of "+h.Name+" not collected")
		return
	}
	owners, ok := e.appOwners[strings.ToLower(app.ID)]
	if !ok {
		unknownRow("application", app.ID, app.DisplayName, "owners of the app registration of "+h.Name+" not collected")
		return
	}
	ownerRows("application", app.ID, app.DisplayName, of, owners)
}
