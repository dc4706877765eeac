package diff

import (
	"encoding/json"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// namer gives objects a readable name and detail, resolving role and
// service principal ids through the same snapshot.
type namer struct {
	snap  *snapshot.Snapshot
	roles map[string]string // role definition id or template id -> name
	sps   map[string]string // service principal id -> name
}

func newNamer(s *snapshot.Snapshot) *namer { return &namer{snap: s} }

func (n *namer) role(id string) string {
	if n.roles == nil {
		n.roles = map[string]string{}
		if defs, err := n.snap.RoleDefinitions(); err == nil {
			for _, d := range defs {
				n.roles[strings.ToLower(d.ID)] = d.DisplayName
				if d.TemplateID != "" {
					n.roles[strings.ToLower(d.TemplateID)] = d.DisplayName
				}
			}
		}
	}
	if r := n.roles[strings.ToLower(id)]; r != "" {
		return r
	}
	return id
}

func (n *namer) sp(id string) string {
	if n.sps == nil {
		n.sps = map[string]string{}
		if sps, err := n.snap.ServicePrincipals(); err == nil {
			for _, s := range sps {
				n.sps[strings.ToLower(s.ID)] = s.DisplayName
			}
		}
	}
	if r := n.sps[strings.ToLower(id)]; r != "" {
		return r
	}
	return id
}

// names holds the fields that name an object across the APIs.
type names struct {
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Name              string `json:"Name"`
	Identity          string `json:"Identity"`
	PrimarySmtp       string `json:"PrimarySmtpAddress"`
	ID                string `json:"id"`
	UserType          string `json:"userType"`
	RoleDefinitionID  string `json:"roleDefinitionId"`
	Principal         *struct {
		DisplayName       string `json:"displayName"`
		UserPrincipalName string `json:"userPrincipalName"`
		ID                string `json:"id"`
	} `json:"principal"`
	PrincipalID string `json:"principalId"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	Scope       string `json:"scope"`
	AppID       string `json:"appId"`
}

// describe returns an object's name and detail.
func (n *namer) describe(dataset string, raw json.RawMessage) (name, detail string) {
	var v names
	_ = json.Unmarshal(raw, &v) // fields of another type stay empty
	first := func(s ...string) string {
		for _, x := range s {
			if strings.TrimSpace(x) != "" {
				return x
			}
		}
		return ""
	}
	switch dataset {
	case snapshot.DSUsers:
		return first(v.UserPrincipalName, v.DisplayName, v.ID), v.UserType
	case snapshot.DSRoleAssignments:
		p := v.PrincipalID
		if v.Principal != nil {
			p = first(v.Principal.UserPrincipalName, v.Principal.DisplayName, v.Principal.ID, v.PrincipalID)
		}
		return p, n.role(v.RoleDefinitionID)
	case snapshot.DSOAuth2PermissionGrants:
		return n.sp(v.ClientID), strings.TrimSpace(v.ConsentType + ": " + strings.TrimSpace(v.Scope))
	case snapshot.DSServicePrincipals, snapshot.DSApplications:
		return first(v.DisplayName, v.AppID, v.ID), v.AppID
	}
	return first(v.DisplayName, v.UserPrincipalName, v.PrimarySmtp, v.Name, v.Identity, v.ID, dataset), ""
}
