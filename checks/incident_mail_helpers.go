package checks

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Helpers shared by the checks that read the unified audit log
// (IR-INB-002, IR-MBX-003).

// irAuditIngestionOff answers unknown when Exchange says unified audit
// log ingestion is off: the log then holds nothing, which must not read as
// "nothing happened".
func irAuditIngestionOff(c *Context) (Outcome, bool) {
	cfg, err := c.AdminAuditLogConfig()
	if err != nil || !cfg.UnifiedAuditLogIngestionEnabled.False() {
		return Outcome{}, false
	}
	return Outcome{Status: StatusUnknown, Summary: "Not evaluated: unified audit log ingestion is turned off in this tenant (see EXO-AUD-001), so mailbox and inbox rule events were never recorded."}, true
}

// irAuditPremium reports whether the tenant has Microsoft Purview Audit
// (Premium), which records MailItemsAccessed: a provisioned
// M365_ADVANCED_AUDITING service plan. known is false when the licences
// were not collected.
func irAuditPremium(c *Context) (premium, known bool) {
	skus, err := c.SubscribedSkus()
	if err != nil {
		return false, false
	}
	for _, s := range skus {
		switch strings.ToLower(s.CapabilityStatus) {
		case "suspended", "lockedout", "deleted":
			continue
		}
		for _, p := range s.ServicePlans {
			if strings.EqualFold(p.ServicePlanName, "M365_ADVANCED_AUDITING") && (p.ProvisioningStatus == "" || strings.EqualFold(p.ProvisioningStatus, "Success")) {
				return true, true
			}
		}
	}
	return false, true
}

// irAuditSucceeded reports whether an audit record describes a change that
// happened (failed cmdlets change nothing).
func irAuditSucceeded(d snapshot.AuditData) bool {
	switch strings.ToLower(d.ResultStatus) {
	case "false", "failed", "failure":
		return false
	}
	return true
}

// irAuditMailboxOwner returns the incident user whose mailbox a record is
// about: the cmdlet's Mailbox parameter, the mailbox owner of an item
// event, else the user who acted on their own mailbox.
func irAuditMailboxOwner(sc *incidentScope, r snapshot.AuditLogRecord, d snapshot.AuditData) (string, bool) {
	for _, v := range []string{d.Param("Mailbox"), d.MailboxOwnerUPN} {
		if v == "" {
			continue
		}
		if id, ok := sc.upns[strings.ToLower(v)]; ok && id != "" {
			return id, true
		}
		return "", false // another mailbox
	}
	for _, v := range []string{r.UserPrincipalName, r.UserID, d.UserID} {
		if id, ok := sc.upns[strings.ToLower(v)]; ok && id != "" {
			return id, true
		}
	}
	return "", false
}

// irAuditActor is who performed a record's operation.
func irAuditActor(r snapshot.AuditLogRecord, d snapshot.AuditData) string {
	return phrase.FirstOf(r.UserPrincipalName, r.UserID, d.UserID)
}

// GraphRuleIdentity turns a Graph messageRule id (the rule's 8-byte id in
// base64, little-endian) into Exchange's RuleIdentity number, so a rule
// Graph lists and one Get-InboxRule lists can be matched.
func GraphRuleIdentity(id string) (string, bool) { return irGraphRuleIdentity(id) }

// irGraphRuleIdentity is GraphRuleIdentity.
func irGraphRuleIdentity(id string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(b) != 8 {
		return "", false
	}
	return strconv.FormatUint(binary.LittleEndian.Uint64(b), 10), true
}

// irExoFolderName is the folder name of Get-InboxRule's MoveToFolder
// ("Adele Vance:\RSS Feeds" -> "RSS Feeds").
func irExoFolderName(v string) string {
	if i := strings.LastIndex(v, `:\`); i >= 0 {
		v = v[i+2:]
	}
	if i := strings.LastIndex(v, `\`); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// irAddressList splits an Exchange address list ("a@x;b@y", or
// "\"Name\" [SMTP:a@x]") into addresses.
func irAddressList(vals ...string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
			p = strings.TrimSpace(p)
			if i := strings.LastIndex(p, "["); i >= 0 {
				p = strings.TrimSuffix(p[i+1:], "]")
			}
			p = strings.Trim(irSMTP(p), `"' `)
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// irRuleSettingReasons judges an inbox rule from its Exchange settings
// (cmdlet parameters or Get-InboxRule fields) with the same rule as
// IR-INB-001: forwarding or redirecting outside the tenant, deleting,
// moving or marking read into folders users do not look at, a name that is
// only punctuation.
func irRuleSettingReasons(sc *incidentScope, name string, forward []string, del bool, moveTo string, markRead bool) []string {
	var reasons []string
	for _, a := range forward {
		if ext, known := sc.isExternal(a); ext || !known {
			reasons = append(reasons, "forwards or redirects to "+a+irIf(known, " (outside the organisation)", " (the tenant's domains are unknown)"))
		}
	}
	if del {
		reasons = append(reasons, "deletes messages")
	}
	if f := irExoFolderName(moveTo); f != "" && irHiddenFolders[strings.ToLower(f)] {
		reasons = append(reasons, "moves messages to "+irQuoteName(f)+irIf(markRead, " and marks them read", ""))
	}
	if name != "" && irOnlyPunctuation(name) {
		reasons = append(reasons, "its name is only punctuation")
	}
	return reasons
}

// irAuditRuleReasons judges the rule settings a rule event carries.
func irAuditRuleReasons(sc *incidentScope, name string, d snapshot.AuditData) []string {
	truthy := func(v string) bool { return strings.EqualFold(v, "true") }
	reasons := irRuleSettingReasons(sc, name, irAddressList(d.Param("ForwardTo"), d.Param("RedirectTo"), d.Param("ForwardAsAttachmentTo")),
		truthy(d.Param("DeleteMessage")) || truthy(d.Param("SoftDeleteMessage")), d.Param("MoveToFolder"), truthy(d.Param("MarkAsRead")))
	if acts := strings.ToLower(d.Property("RuleActions")); acts != "" {
		switch {
		case strings.Contains(acts, "delete"):
			reasons = append(reasons, "deletes messages")
		case strings.Contains(acts, "forward"), strings.Contains(acts, "redirect"):
			reasons = append(reasons, "forwards or redirects messages")
		case strings.Contains(acts, "rss"), strings.Contains(acts, "conversation history"), strings.Contains(acts, "archive"):
			reasons = append(reasons, "moves messages to a folder users do not look at")
		}
	}
	return reasons
}

// irDedup sorts and removes duplicates.
func irDedup(l []string) []string {
	sort.Strings(l)
	out := l[:0]
	for i, v := range l {
		if i == 0 || v != l[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// irAttackerNote renders why an address is the attacker's.
func irAttackerNote(ip, why string) string {
	return fmt.Sprintf("from %s, an address the attacker used (%s)", ip, why)
}
