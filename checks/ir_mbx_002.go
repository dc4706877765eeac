package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRMbx002 is the ID of check IR-MBX-002.
const IDIRMbx002 = "IR-MBX-002"

func irMbx002() Check {
	return Check{Meta: Meta{ID: IDIRMbx002, Title: "Unexpected mailbox delegation (FullAccess, SendAs, SendOnBehalf)", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale: "Delegations let another account read or send as the victim's mailbox without the victim's password.",
		Datasets:  []string{snapshot.DSIncidentMailboxPerms}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSExoMailbox, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Hawk Get-HawkTenantAdminMailboxPermissionChange"}},
		Remediation: Remediation{Summary: "Remove delegations the mailbox owner does not recognise.",
			Steps: []string{"Remove-MailboxPermission -Identity <upn> -User <trustee> -AccessRights FullAccess -InheritanceType All", "Remove-RecipientPermission -Identity <upn> -Trustee <trustee> -AccessRights SendAs"}}},
		Eval: evalIRMbx002}
}

// evalIRMbx002 is IR-MBX-002.
func evalIRMbx002(c *Context) Outcome {
	sc := newIncidentScope(c)
	perms, err := c.IncidentMailboxPermissions()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	for _, uid := range sc.incidentUserIDs() {
		for _, p := range perms[uid] {
			user := strings.TrimSpace(p.User)
			if p.IsInherited.True() || p.Deny.True() || strings.EqualFold(user, `NT AUTHORITY\SELF`) || strings.HasPrefix(strings.ToUpper(user), "S-1-5-") {
				continue
			}
			out = append(out, Affected{Kind: "mailboxPermission", ID: uid + "/" + user, Name: sc.userName(uid) + " → " + user,
				Detail: "holds " + strings.Join(p.AccessRights, ", ") + " on the mailbox (no grant time available): confirm it is intended"})
		}
	}
	boxes, boxErr := c.Mailboxes()
	if boxErr == nil {
		for _, m := range boxes {
			if !sc.isIncidentUser(m.ExternalDirectoryObjectID) && !sc.isIncidentUser(m.UserPrincipalName) {
				continue
			}
			for _, d := range m.GrantSendOnBehalfTo {
				out = append(out, Affected{Kind: "mailboxPermission", ID: m.ExternalDirectoryObjectID + "/sendonbehalf/" + d, Name: m.Label() + " → " + d,
					Detail: "may send on behalf of the mailbox: confirm it is intended"})
			}
		}
	}
	if len(out) > 0 {
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on incident users' mailboxes to review (FullAccess, SendAs, SendOnBehalf).", phrase.Plural(len(out), "delegation", "delegations")), Affected: out})
	}
	if boxErr != nil {
		// SendOnBehalf is a property of the mailbox, not a permission entry.
		return Outcome{Status: StatusUnknown, Summary: "Not conclusive: no FullAccess or SendAs delegation on the incident users' mailboxes beyond the owner, but SendOnBehalf was not checked: " + Unknown(boxErr).Summary, Affected: out}
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: "No delegation on the incident users' mailboxes beyond the owner.", Affected: out})
}
