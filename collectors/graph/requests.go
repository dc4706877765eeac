package graph

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/domains"
	"github.com/microsoftgraph/msgraph-sdk-go/identity"
	"github.com/microsoftgraph/msgraph-sdk-go/identityprotection"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
	"github.com/microsoftgraph/msgraph-sdk-go/subscribedskus"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// builder builds the first request of a dataset with the SDK's typed
// request builders, so the SDK composes the URL including $select/$top.
type builder func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error)

// builders maps the v1.0 paths of snapshot.Specs() to their typed builders.
// Paths not listed (beta, per-key, incident filters) use RawRequest.
func builders() map[string]builder {
	return map[string]builder{
		"/v1.0/organization": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &organization.OrganizationRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Organization().ToGetRequestInformation(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/domains": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &domains.DomainsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Domains().ToGetRequestInformation(ctx, &domains.DomainsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/subscribedSkus": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &subscribedskus.SubscribedSkusRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.SubscribedSkus().ToGetRequestInformation(ctx, &subscribedskus.SubscribedSkusRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/users": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &users.UsersRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/reports/authenticationMethods/userRegistrationDetails": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Reports().AuthenticationMethods().UserRegistrationDetails().ToGetRequestInformation(ctx,
					&reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/identitySecurityDefaultsEnforcementPolicy": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.IdentitySecurityDefaultsEnforcementPolicyRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().IdentitySecurityDefaultsEnforcementPolicy().ToGetRequestInformation(ctx,
					&policies.IdentitySecurityDefaultsEnforcementPolicyRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/identity/conditionalAccess/policies": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &identity.ConditionalAccessPoliciesRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Identity().ConditionalAccess().Policies().ToGetRequestInformation(ctx,
					&identity.ConditionalAccessPoliciesRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/identity/conditionalAccess/namedLocations": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &identity.ConditionalAccessNamedLocationsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Identity().ConditionalAccess().NamedLocations().ToGetRequestInformation(ctx,
					&identity.ConditionalAccessNamedLocationsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/authenticationStrengthPolicies": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.AuthenticationStrengthPoliciesRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().AuthenticationStrengthPolicies().ToGetRequestInformation(ctx,
					&policies.AuthenticationStrengthPoliciesRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/authorizationPolicy": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.AuthorizationPolicyRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().AuthorizationPolicy().ToGetRequestInformation(ctx,
					&policies.AuthorizationPolicyRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/authenticationMethodsPolicy": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.AuthenticationMethodsPolicyRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().AuthenticationMethodsPolicy().ToGetRequestInformation(ctx,
					&policies.AuthenticationMethodsPolicyRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/adminConsentRequestPolicy": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.AdminConsentRequestPolicyRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().AdminConsentRequestPolicy().ToGetRequestInformation(ctx,
					&policies.AdminConsentRequestPolicyRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/roleManagement/directory/roleDefinitions": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.RoleManagement().Directory().RoleDefinitions().ToGetRequestInformation(ctx,
					&rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/roleManagement/directory/roleAssignments": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.RoleManagement().Directory().RoleAssignments().ToGetRequestInformation(ctx,
					&rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/policies/crossTenantAccessPolicy/default": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &policies.CrossTenantAccessPolicyDefaultRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Policies().CrossTenantAccessPolicy().DefaultEscaped().ToGetRequestInformation(ctx,
					&policies.CrossTenantAccessPolicyDefaultRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/oauth2PermissionGrants": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Oauth2PermissionGrants().ToGetRequestInformation(ctx,
					&oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/servicePrincipals": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.ServicePrincipals().ToGetRequestInformation(ctx,
					&serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/applications": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &applications.ApplicationsRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.Applications().ToGetRequestInformation(ctx,
					&applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
		"/v1.0/identityProtection/riskyUsers": func(ctx context.Context, c *Client, q map[string]string) (*abs.RequestInformation, error) {
			qp := &identityprotection.RiskyUsersRequestBuilderGetQueryParameters{}
			return typed(ctx, qp, q, func() (*abs.RequestInformation, error) {
				return c.sdk.IdentityProtection().RiskyUsers().ToGetRequestInformation(ctx,
					&identityprotection.RiskyUsersRequestBuilderGetRequestConfiguration{QueryParameters: qp})
			})
		},
	}
}

// typed fills the builder's query parameter struct from the spec query and
// builds the request.
func typed(_ context.Context, qp any, q map[string]string, build func() (*abs.RequestInformation, error)) (*abs.RequestInformation, error) {
	if err := fillQuery(qp, q); err != nil {
		return nil, err
	}
	return build()
}

// fillQuery sets $select/$expand/$top/$filter on a generated
// *...QueryParameters struct (all share these field names). A parameter the
// struct cannot carry is an error, so a spec query is never silently cut.
func fillQuery(qp any, q map[string]string) error {
	v := reflect.ValueOf(qp).Elem()
	for name, val := range q {
		var field string
		switch name {
		case "$select":
			field = "Select"
		case "$expand":
			field = "Expand"
		case "$top":
			field = "Top"
		case "$filter":
			field = "Filter"
		default:
			return fmt.Errorf("graph: query parameter %s has no typed builder field", name)
		}
		f := v.FieldByName(field)
		if !f.IsValid() {
			return fmt.Errorf("graph: builder %s has no %s", v.Type().Name(), name)
		}
		switch field {
		case "Select", "Expand":
			f.Set(reflect.ValueOf(strings.Split(val, ",")))
		case "Top":
			n, err := strconv.ParseInt(val, 10, 32)
			if err != nil {
				return fmt.Errorf("graph: $top %q: %w", val, err)
			}
			n32 := int32(n)
			f.Set(reflect.ValueOf(&n32))
		case "Filter":
			s := val
			f.Set(reflect.ValueOf(&s))
		}
	}
	return nil
}

// ParseQuery splits a spec query into parameters. Values are taken
// literally (spec queries are not escaped).
func ParseQuery(q string) (map[string]string, error) {
	m := map[string]string{}
	if q == "" {
		return m, nil
	}
	for _, p := range strings.Split(q, "&") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("graph: bad query part %q", p)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("graph: repeated query parameter %s", k)
		}
		m[k] = v
	}
	return m, nil
}

// FirstRequest builds the first request of a Graph dataset: with the typed
// builder when one exists for its path and query, else a raw request.
// query is the spec query after substitution (e.g. {start}).
func (c *Client) FirstRequest(ctx context.Context, spec snapshot.Spec, query string) (*abs.RequestInformation, error) {
	if b, ok := builders()[spec.Path]; ok && !strings.Contains(query, "{") {
		q, err := ParseQuery(query)
		if err != nil {
			return nil, err
		}
		if _, hasFilter := q["$filter"]; !hasFilter {
			ri, err := b(ctx, c, q)
			if err != nil {
				return nil, fmt.Errorf("graph: build request for %s: %w", spec.ID, err)
			}
			return ri, nil
		}
	}
	return c.RawRequest(spec.Path, query)
}

// BuilderPaths lists the paths that have typed builders (for tests).
func BuilderPaths() []string {
	var p []string
	for k := range builders() {
		p = append(p, k)
	}
	return p
}
