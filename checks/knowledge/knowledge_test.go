package knowledge

import (
	"sort"
	"strings"
	"testing"
)

func TestRiskyScopes(t *testing.T) {
	for scope, want := range map[string]bool{
		"Mail.ReadWrite": true, "mail.send": true, "Files.Read": true, "Sites.FullControl.All": true, "full_access_as_user": true,
		"IMAP.AccessAsUser.All": true, "SMTP.Send": true, "RoleManagement.ReadWrite.Directory": true, "AppRoleAssignment.ReadWrite.All": true,
		"Application.ReadWrite.All": true, "Policy.ReadWrite.ConditionalAccess": true, "Group.ReadWrite.All": true,
		"Mail.Read.Shared": true, "Contacts.Read": true, "Contacts.ReadWrite": true, "Chat.Read": true,
		"User.Read": false, "openid": false, "offline_access": false, "Calendars.Read": false, "profile": false, "email": false,
		"Mail.ReadBasic": false, "Contacts.Read.Shared": false,
	} {
		if got := IsRiskyScope(scope); got != want {
			t.Errorf("IsRiskyScope(%q) = %v, want %v", scope, got, want)
		}
	}
	scopes, _ := RiskyScopes()
	if !sort.StringsAreSorted(scopes) {
		t.Errorf("RiskyScopes not sorted: %v", scopes)
	}
	for i, s := range scopes {
		if s != strings.ToLower(s) || (i > 0 && s == scopes[i-1]) {
			t.Errorf("scope %q is not lower case or repeated", s)
		}
	}
	if got := RiskyScopesIn([]string{"openid", "Mail.Read", "User.Read", "Files.Read.All"}); strings.Join(got, " ") != "Mail.Read Files.Read.All" {
		t.Errorf("RiskyScopesIn = %v", got)
	}
}

func TestRoles(t *testing.T) {
	ids := PrivilegedRoleIDs()
	if len(ids) != 8 || !sort.StringsAreSorted(ids) {
		t.Fatalf("PrivilegedRoleIDs = %v", ids)
	}
	for _, id := range ids {
		if n, ok := RoleName(id); !ok || n == "" || !IsPrivilegedRole(strings.ToUpper(id)) {
			t.Errorf("privileged role %s: name %q %v", id, n, ok)
		}
	}
	if IsPrivilegedRole(RoleDirectorySynchronizationAccounts) {
		t.Error("Directory Synchronization Accounts is not a privileged role")
	}
	if n, _ := RoleName(RoleGlobalAdministrator); n != "Global Administrator" {
		t.Errorf("RoleName(GA) = %q", n)
	}
	// Each built-in role id is a lower-case GUID, so case-insensitive lookups work.
	for id := range RoleNames() {
		if id != strings.ToLower(id) || len(id) != 36 {
			t.Errorf("role id %q", id)
		}
	}
}

func TestGuestTypesStrengthsClients(t *testing.T) {
	if got := GuestTypesValue(); got != "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider" {
		t.Errorf("GuestTypesValue = %q", got)
	}
	if p, ok := GuestTypePhrase("B2BCOLLABORATIONGUEST"); !ok || p != "B2B collaboration guests" {
		t.Errorf("GuestTypePhrase = %q %v", p, ok)
	}
	if _, ok := GuestTypePhrase("nobody"); ok {
		t.Error("unknown guest type named")
	}
	for id, s := range BuiltInStrengths() {
		if s.ID != id || s.Name == "" || len(s.Combinations) == 0 {
			t.Errorf("strength %s: %+v", id, s)
		}
	}
	if n, ok := StrengthName(StrengthPhishingResistant); !ok || n != "Phishing-resistant MFA" {
		t.Errorf("StrengthName = %q %v", n, ok)
	}
	for name, want := range map[string]bool{"IMAP4": true, "Authenticated SMTP": true, "Exchange ActiveSync": true, "Browser": false, "Mobile Apps and Desktop clients": false} {
		if IsLegacyClient(name) != want {
			t.Errorf("IsLegacyClient(%q) != %v", name, want)
		}
	}
	if got := AbusedClient("eM Client Pro"); got != "eM Client" {
		t.Errorf("AbusedClient = %q", got)
	}
	if got := AbusedClient("Zoom"); got != "" {
		t.Errorf("AbusedClient(Zoom) = %q", got)
	}
}
