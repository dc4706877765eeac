package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraApp006 is the ID of check ENTRA-APP-006.
const IDEntraApp006 = "ENTRA-APP-006"

func entraApp006() Check {
	return Check{Meta: Meta{ID: IDEntraApp006, Title: "App registration credential hygiene (no secrets, no long-lived or expired credentials)", Category: entraCatApps, Severity: SeverityMedium,
		Rationale: "Client secrets are passwords for apps: they leak in code and config, bypass MFA, and secrets added to service principals do not even show in the portal.",
		Datasets:  []string{snapshot.DSApplications}, AlsoReads: []string{snapshot.DSServicePrincipals},
		References: References{CIS: []string{"5.1.5.4"}, CISVersion: entraCIS,
			Other: []string{"Maester MT.1057", "Prowler entra_app_registration_client_secret_unused"}},
		Remediation: Remediation{Summary: "Move each workload to a certificate or managed identity, then remove the secrets; replace expired and long-lived certificates.",
			Steps: []string{
				"Entra admin center > App registrations > <app> > Certificates & secrets: remove client secrets after switching the workload.",
				"Remove-MgApplicationPassword -ApplicationId <objectId> -KeyId <keyId>; Remove-MgServicePrincipalPassword -ServicePrincipalId <id> -KeyId <keyId>",
			}}},
		Eval: evalEntraApp006}
}

// evalEntraApp006: app registrations use no client secrets, and no credential
// is long-lived or expired; secrets on non-Microsoft service principals
// (invisible in the portal) are listed too. Service principals are read
// when collected; without them a clean result cannot pass.
func evalEntraApp006(c *Context) Outcome {
	apps, err := c.Applications()
	if err != nil {
		return Unknown(err)
	}
	sps, spErr := c.ServicePrincipals()
	if spErr != nil && !entraIsNotCollected(spErr) {
		return Unknown(spErr)
	}
	var secrets, certs []Affected
	appsWithSecrets := map[string]bool{}
	for _, a := range apps {
		s, k := entraCredentialFindings(c.Now, "application", a.ID, a.AppID, a.DisplayName, a.PasswordCredentials, a.KeyCredentials)
		if len(s) > 0 {
			appsWithSecrets[a.ID] = true
		}
		secrets = append(secrets, s...)
		certs = append(certs, k...)
	}
	spSecrets := 0
	for _, sp := range sps {
		if sp.IsMicrosoft() || len(sp.PasswordCredentials) == 0 {
			continue
		}
		s, _ := entraCredentialFindings(c.Now, "servicePrincipal", sp.ID, sp.AppID, sp.DisplayName, sp.PasswordCredentials, nil)
		spSecrets += len(s)
		secrets = append(secrets, s...)
	}
	all := append(append([]Affected{}, secrets...), certs...)
	spNote := ""
	if spErr != nil {
		spNote = "; service principals were not collected, so secrets on them could not be checked"
	}
	switch {
	case len(secrets) > 0:
		var names []string
		seen := map[string]bool{}
		for _, a := range secrets {
			if !seen[a.Name] {
				seen[a.Name] = true
				names = append(names, a.Name)
			}
		}
		certNote := ""
		if len(certs) > 0 {
			certNote = fmt.Sprintf("; %s long-lived or expired", phrase.Plural(len(certs), "certificate is", "certificates are"))
		}
		return entraOutcome(StatusFail, all, "Client secrets are in use: %d on %d of %d app registrations and %d on non-Microsoft service principals (%s)%s%s.",
			len(secrets)-spSecrets, len(appsWithSecrets), len(apps), spSecrets, entraNames(names, 5), certNote, spNote)
	case len(certs) > 0:
		return entraOutcome(StatusWarn, all, "No client secrets, but %s long-lived (over %d days) or expired: %s%s.",
			phrase.Plural(len(certs), "certificate is", "certificates are"), entraMaxCredentialDays, entraNames(entraAffectedNames(certs), 5), spNote)
	case spErr != nil:
		return entraOutcome(StatusUnknown, nil, "None of %s uses a client secret or a long-lived or expired certificate%s.",
			phrase.Plural(len(apps), "app registration", "app registrations"), spNote)
	}
	return entraOutcome(StatusPass, nil, "None of %s or non-Microsoft service principals uses a client secret, and no certificate is long-lived or expired.",
		phrase.Plural(len(apps), "app registration", "app registrations"))
}

// entraMaxCredentialDays is the longest credential lifetime CIS v7 5.1.5.4
// accepts.
const entraMaxCredentialDays = 180

// entraCredentialFindings describes one object's credentials: secrets are
// always findings; certificates only when long-lived or expired.
func entraCredentialFindings(now time.Time, kind, id, appID, name string, secrets, certs []snapshot.Credential) (secretRows, certRows []Affected) {
	describe := func(what string, cr snapshot.Credential) (string, bool) {
		var parts []string
		issue := false
		label := what
		if cr.DisplayName != "" {
			label += fmt.Sprintf(" %q", cr.DisplayName)
		}
		label += " (keyId " + cr.KeyID + ")"
		parts = append(parts, label)
		if cr.StartDateTime != nil && cr.EndDateTime != nil {
			days := int(cr.EndDateTime.Sub(*cr.StartDateTime).Hours() / 24)
			parts = append(parts, fmt.Sprintf("valid %s to %s", entraDate(*cr.StartDateTime), entraDate(*cr.EndDateTime)))
			if days > entraMaxCredentialDays {
				parts = append(parts, fmt.Sprintf("lifetime %d days, longer than %d", days, entraMaxCredentialDays))
				issue = true
			}
		} else if cr.EndDateTime != nil {
			parts = append(parts, "valid until "+entraDate(*cr.EndDateTime))
		}
		if cr.EndDateTime != nil && cr.EndDateTime.Before(now) {
			parts = append(parts, "expired")
			issue = true
		}
		return strings.Join(parts, "; "), issue
	}
	sorted := func(cs []snapshot.Credential) []snapshot.Credential {
		c := append([]snapshot.Credential(nil), cs...)
		sort.SliceStable(c, func(i, j int) bool { return c[i].KeyID < c[j].KeyID })
		return c
	}
	row := func(detail, keyID string) Affected {
		return Affected{Kind: kind, ID: id, Name: name, Detail: detail,
			Credential: &CredentialEvidence{ObjectID: id, AppID: appID, KeyID: keyID}}
	}
	for _, cr := range sorted(secrets) {
		d, _ := describe("client secret", cr)
		secretRows = append(secretRows, row(d, cr.KeyID))
	}
	for _, cr := range sorted(certs) {
		if d, issue := describe("certificate", cr); issue {
			certRows = append(certRows, row(d, cr.KeyID))
		}
	}
	return secretRows, certRows
}
