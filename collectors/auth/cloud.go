// Package auth turns the CLI's authentication choices into bearer-token
// sources for Microsoft Graph and the Exchange admin API, and knows the
// service roots, scopes and authority hosts of each national cloud.
//
// It owns credentials only: it sends no request itself except through
// azidentity, and it never writes a token anywhere.
package auth

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/m365audit/m365audit/collectors/transport"
)

// Cloud is one Microsoft cloud: where to sign in and where the services are.
type Cloud struct {
	// Name is the --cloud value.
	Name string
	// Authority is the Entra ID login host configuration for azidentity.
	Authority cloud.Configuration
	// GraphRoot and ExchangeRoot are service roots without version or path.
	GraphRoot    string
	ExchangeRoot string
	// GraphScope and ExchangeScope are the .default scopes tokens are
	// requested for. They follow the cloud, not an overridden endpoint, so
	// a loopback endpoint still gets a token for the real audience.
	GraphScope    string
	ExchangeScope string
}

// Cloud names accepted by --cloud.
const (
	CloudGlobal   = "global"
	CloudUSGov    = "usgov"
	CloudUSGovDoD = "usgovdod"
	CloudChina    = "china"
)

// clouds follows collection.md §2.2 (Graph) and §3.2 (Exchange).
func clouds() map[string]Cloud {
	return map[string]Cloud{
		CloudGlobal: {Name: CloudGlobal, Authority: cloud.AzurePublic,
			GraphRoot: "https://graph.microsoft.com", GraphScope: "https://graph.microsoft.com/.default",
			ExchangeRoot: "https://outlook.office365.com", ExchangeScope: "https://outlook.office365.com/.default"},
		CloudUSGov: {Name: CloudUSGov, Authority: cloud.AzureGovernment,
			GraphRoot: "https://graph.microsoft.us", GraphScope: "https://graph.microsoft.us/.default",
			ExchangeRoot: "https://outlook.office365.us", ExchangeScope: "https://outlook.office365.us/.default"},
		CloudUSGovDoD: {Name: CloudUSGovDoD, Authority: cloud.AzureGovernment,
			GraphRoot: "https://dod-graph.microsoft.us", GraphScope: "https://dod-graph.microsoft.us/.default",
			ExchangeRoot: "https://outlook-dod.office365.us", ExchangeScope: "https://outlook-dod.office365.us/.default"},
		CloudChina: {Name: CloudChina, Authority: cloud.AzureChina,
			GraphRoot: "https://microsoftgraph.chinacloudapi.cn", GraphScope: "https://microsoftgraph.chinacloudapi.cn/.default",
			ExchangeRoot: "https://partner.outlook.cn", ExchangeScope: "https://partner.outlook.cn/.default"},
	}
}

// CloudNames lists the accepted --cloud values, sorted.
func CloudNames() []string {
	var n []string
	for k := range clouds() {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// LookupCloud returns the cloud named by a --cloud value.
func LookupCloud(name string) (Cloud, error) {
	c, ok := clouds()[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Cloud{}, fmt.Errorf("unknown cloud %q (want one of %s)", name, strings.Join(CloudNames(), ", "))
	}
	return c, nil
}

// ParseServiceRoot validates a --graph-endpoint / --exchange-endpoint value:
// an absolute URL with no path, query or credentials. Plain http is allowed
// only for loopback hosts (a simulated tenant), so a token never crosses a
// network in clear text.
func ParseServiceRoot(flag, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("--%s %q: %w", flag, raw, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("--%s %q: want an absolute http(s) URL such as https://graph.microsoft.com", flag, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--%s %q: a service root carries no credentials, query or fragment", flag, raw)
	}
	if p := strings.TrimRight(u.Path, "/"); p != "" {
		return "", fmt.Errorf("--%s %q: give the service root without a path (the collector appends %s)", flag, raw, pathHint(flag))
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return "", fmt.Errorf("--%s %q: plain http is only allowed for a loopback simulator (127.0.0.1, ::1, localhost)", flag, raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func pathHint(flag string) string {
	if strings.Contains(flag, "exchange") {
		return "/adminapi/beta/{tenantId}/InvokeCommand"
	}
	return "/v1.0 and /beta"
}

// IsLoopback reports whether host names the local machine.
func IsLoopback(host string) bool { return transport.IsLoopback(host) }
