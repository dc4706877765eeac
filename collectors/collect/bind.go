package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is a tenant GUID (as opposed to a domain).
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// BindTenant checks that the tenant the run reads is the one asked for:
// a GUID --tenant must equal the organization id, a domain must be one of
// its verified domains, and a JWT token's tid claim must equal it. Reusing
// a token of another tenant is a known failure of peer tools; the
// snapshot would silently describe the wrong customer.
func BindTenant(flag string, org snapshot.Organization, tokenTID string) error {
	flag = strings.TrimSpace(flag)
	switch {
	case flag == "":
	case IsGUID(flag):
		if !strings.EqualFold(flag, org.ID) {
			return fmt.Errorf("%w: --tenant %s but the token reads tenant %s (%s); refusing to collect another tenant",
				ErrTenantMismatch, flag, org.ID, org.DisplayName)
		}
	default:
		found := false
		var names []string
		for _, d := range org.VerifiedDomains {
			names = append(names, d.Name)
			if strings.EqualFold(d.Name, flag) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%w: --tenant %s is not a verified domain of tenant %s (%s; domains: %s); refusing to collect another tenant",
				ErrTenantMismatch, flag, org.ID, org.DisplayName, strings.Join(names, ", "))
		}
	}
	if tokenTID != "" && !strings.EqualFold(tokenTID, org.ID) {
		return fmt.Errorf("%w: the Graph token was issued for tenant %s but the API answered for tenant %s (%s); refusing the run",
			ErrTenantMismatch, tokenTID, org.ID, org.DisplayName)
	}
	return nil
}

// TenantOf fills the manifest tenant from an organization object.
func TenantOf(org snapshot.Organization) snapshot.Tenant {
	t := snapshot.Tenant{ID: org.ID, DisplayName: org.DisplayName}
	for _, d := range org.VerifiedDomains {
		if d.IsDefault {
			t.PrimaryDomain = d.Name
		}
		if d.IsInitial {
			t.InitialDomain = d.Name
		}
	}
	if t.PrimaryDomain == "" {
		t.PrimaryDomain = t.InitialDomain
	}
	return t
}

// bind records the tenant and returns its GUID ("" when unknown).
func (c *Collector) bind(ctx context.Context, org outcome) (string, error) {
	tid := c.tokenTenant(ctx)
	if org.status.HasData() && len(org.items) > 0 {
		var o snapshot.Organization
		if err := json.Unmarshal(org.items[0], &o); err == nil && o.ID != "" {
			if err := BindTenant(c.o.Tenant, o, tid); err != nil {
				return "", &fatalError{err}
			}
			if prev := c.w.Manifest().Tenant.ID; prev != "" && !strings.EqualFold(prev, o.ID) {
				return "", &fatalError{fmt.Errorf("%w: the snapshot being resumed belongs to tenant %s, but the token reads tenant %s (%s); refusing to mix them",
					ErrTenantMismatch, prev, o.ID, o.DisplayName)}
			}
			if prev := c.o.PreviousTenant; prev != "" && !strings.EqualFold(prev, o.ID) {
				return "", &fatalError{fmt.Errorf("%w: the previous snapshot (--previous) belongs to tenant %s, but the token reads tenant %s (%s); refusing the run (give --previous an earlier snapshot of this tenant)",
					ErrTenantMismatch, prev, o.ID, o.DisplayName)}
			}
			t := TenantOf(o)
			t.TokenTenantID = tid // recorded so audit can cross-check the manifest
			c.w.SetTenant(t)
			return o.ID, nil
		}
	}
	// organization unreadable: bind what can still be checked.
	t := snapshot.Tenant{}
	if IsGUID(c.o.Tenant) {
		if tid != "" && !strings.EqualFold(tid, c.o.Tenant) {
			return "", &fatalError{fmt.Errorf("%w: --tenant %s but the Graph token was issued for tenant %s; refusing the run",
				ErrTenantMismatch, c.o.Tenant, tid)}
		}
		t.ID = c.o.Tenant
		t.TokenTenantID = tid
	} else {
		t.ID = tid
		t.PrimaryDomain = c.o.Tenant
	}
	if prev := c.o.PreviousTenant; prev != "" && t.ID != "" && !strings.EqualFold(prev, t.ID) {
		return "", &fatalError{fmt.Errorf("%w: the previous snapshot (--previous) belongs to tenant %s, but the token was issued for tenant %s; refusing the run (give --previous an earlier snapshot of this tenant)",
			ErrTenantMismatch, prev, t.ID)}
	}
	c.log.Warn("organization not readable: tenant binding could only use --tenant and the token", "tenant", t.ID)
	c.w.SetTenant(t)
	return t.ID, nil
}
