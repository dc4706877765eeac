package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Authentication modes accepted by --auth.
const (
	ModeDeviceCode  = "devicecode"
	ModeBrowser     = "browser"
	ModeSecret      = "secret"
	ModeCertificate = "certificate"
	ModeAzCLI       = "azcli"
	ModeEnv         = "env"
	ModeToken       = "token"
	ModeWorkload    = "workload"
)

// Environment variables read by the token and secret modes.
const (
	EnvGraphToken          = "M365AUDIT_GRAPH_TOKEN"
	EnvExchangeToken       = "M365AUDIT_EXCHANGE_TOKEN"
	EnvClientSecret        = "M365AUDIT_CLIENT_SECRET"
	EnvCertificatePassword = "M365AUDIT_CERTIFICATE_PASSWORD"
	// Workload identity federation (Kubernetes, GitHub Actions): azidentity's
	// variables.
	EnvFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
	EnvAzureClientID      = "AZURE_CLIENT_ID"
	EnvAzureTenantID      = "AZURE_TENANT_ID"
	EnvAuthorityHost      = "AZURE_AUTHORITY_HOST"
)

// Modes lists the accepted --auth values.
func Modes() []string {
	return []string{ModeDeviceCode, ModeBrowser, ModeSecret, ModeCertificate, ModeAzCLI, ModeEnv, ModeToken, ModeWorkload}
}

// TokenFunc returns a bearer token for one service.
type TokenFunc func(ctx context.Context) (string, error)

// Tokens are the token sources of one run. Exchange is nil when the mode
// cannot provide an Exchange token (token mode without
// M365AUDIT_EXCHANGE_TOKEN); collection then records the Exchange datasets
// as skipped instead of failing.
type Tokens struct {
	Graph    TokenFunc
	Exchange TokenFunc
	// ExchangeMissing says why Exchange is nil.
	ExchangeMissing string
}

// Options are the CLI's authentication settings.
type Options struct {
	Mode                string
	TenantID            string // GUID or verified domain; the authority tenant
	ClientID            string
	ClientSecret        string
	CertificatePath     string
	CertificatePassword string
	Cloud               Cloud
	// CloudChosen says the user chose the cloud (--cloud). Only then is it
	// passed to azidentity: otherwise azidentity honours AZURE_AUTHORITY_HOST
	// (which it reads only when no cloud is configured in code).
	CloudChosen bool
	// FederatedTokenFile is the workload identity assertion file (default
	// AZURE_FEDERATED_TOKEN_FILE).
	FederatedTokenFile string
	// Transport and DisableInstanceDiscovery are for a local authority in
	// tests (azidentity refuses plain http, so tests serve TLS and pass the
	// server's client).
	Transport                policy.Transporter
	DisableInstanceDiscovery bool
	// Prompt receives the device-code message (stderr: stdout stays clean).
	Prompt io.Writer
	// Getenv reads the environment (os.Getenv when nil); tests inject it.
	Getenv func(string) string
}

func (o Options) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

// Validate checks that the settings a mode needs are present. It runs before
// any network call so a usage error is reported as such.
func (o Options) Validate() error {
	switch o.Mode {
	case ModeDeviceCode, ModeBrowser, ModeAzCLI, ModeEnv:
	case ModeSecret:
		if o.ClientID == "" {
			return errors.New("--auth secret needs --client-id")
		}
		if o.ClientSecret == "" && o.getenv(EnvClientSecret) == "" {
			return fmt.Errorf("--auth secret needs --client-secret or %s", EnvClientSecret)
		}
	case ModeCertificate:
		if o.ClientID == "" {
			return errors.New("--auth certificate needs --client-id")
		}
		if o.CertificatePath == "" {
			return errors.New("--auth certificate needs --certificate PATH (PEM with certificate and unencrypted key, or PFX)")
		}
	case ModeWorkload:
		if o.ClientID == "" && o.getenv(EnvAzureClientID) == "" {
			return fmt.Errorf("--auth workload needs --client-id or %s", EnvAzureClientID)
		}
		if o.FederatedTokenFile == "" && o.getenv(EnvFederatedTokenFile) == "" {
			return fmt.Errorf("--auth workload needs %s (the federated token file the platform mounts)", EnvFederatedTokenFile)
		}
	case ModeToken:
		if strings.TrimSpace(o.getenv(EnvGraphToken)) == "" {
			return fmt.Errorf("--auth token needs %s (and %s for Exchange)", EnvGraphToken, EnvExchangeToken)
		}
	default:
		return fmt.Errorf("unknown --auth %q (want one of %s)", o.Mode, strings.Join(Modes(), ", "))
	}
	if (o.Mode == ModeSecret || o.Mode == ModeCertificate) && o.TenantID == "" {
		return fmt.Errorf("--auth %s needs --tenant", o.Mode)
	}
	return nil
}

// New builds the token sources for a run.
func New(o Options) (*Tokens, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Mode == ModeToken {
		g := strings.TrimSpace(o.getenv(EnvGraphToken))
		t := &Tokens{Graph: Static(g)}
		if x := strings.TrimSpace(o.getenv(EnvExchangeToken)); x != "" {
			t.Exchange = Static(x)
		} else {
			t.ExchangeMissing = EnvExchangeToken + " is not set"
		}
		return t, nil
	}
	cred, err := credential(o)
	if err != nil {
		return nil, err
	}
	return &Tokens{
		Graph:    newCachedToken(cred, o.Cloud.GraphScope).get,
		Exchange: newCachedToken(cred, o.Cloud.ExchangeScope).get,
	}, nil
}

// Static returns a TokenFunc that always yields tok.
func Static(tok string) TokenFunc {
	return func(context.Context) (string, error) { return tok, nil }
}

func credential(o Options) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{Transport: o.Transport}
	if o.CloudChosen {
		co.Cloud = o.Cloud.Authority
	}
	tenant := o.TenantID
	switch o.Mode {
	case ModeDeviceCode:
		prompt := o.Prompt
		if prompt == nil {
			prompt = os.Stderr
		}
		c, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: o.ClientID,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, m.Message)
				return err
			},
		})
		return wrapCred("device code", c, err)
	case ModeBrowser:
		c, err := azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: o.ClientID, RedirectURL: "http://localhost",
		})
		return wrapCred("interactive browser", c, err)
	case ModeSecret:
		secret := o.ClientSecret
		if secret == "" {
			secret = o.getenv(EnvClientSecret)
		}
		c, err := azidentity.NewClientSecretCredential(tenant, o.ClientID, secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co})
		return wrapCred("client secret", c, err)
	case ModeCertificate:
		data, err := os.ReadFile(o.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		pw := o.CertificatePassword
		if pw == "" {
			pw = o.getenv(EnvCertificatePassword)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(pw))
		if err != nil {
			return nil, fmt.Errorf("parse certificate %s (modern AES PFX and encrypted PEM keys are not supported; use a PEM with certificate and unencrypted key): %w", o.CertificatePath, err)
		}
		c, err := azidentity.NewClientCertificateCredential(tenant, o.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co})
		return wrapCred("client certificate", c, err)
	case ModeAzCLI:
		c, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
		return wrapCred("azure cli", c, err)
	case ModeWorkload:
		file := o.FederatedTokenFile
		if file == "" {
			file = o.getenv(EnvFederatedTokenFile)
		}
		clientID := o.ClientID
		if clientID == "" {
			clientID = o.getenv(EnvAzureClientID)
		}
		if tenant == "" {
			tenant = o.getenv(EnvAzureTenantID)
		}
		c, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, ClientID: clientID, TenantID: tenant, TokenFilePath: file,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
		return wrapCred("workload identity", c, err)
	case ModeEnv:
		c, err := azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: co})
		return wrapCred("environment", c, err)
	}
	return nil, fmt.Errorf("unknown --auth %q", o.Mode)
}

func wrapCred[T azcore.TokenCredential](what string, c T, err error) (azcore.TokenCredential, error) {
	if err != nil {
		return nil, fmt.Errorf("%s credential: %w", what, err)
	}
	return c, nil
}

// cachedToken keeps a token until shortly before it expires. Confidential
// clients cache in MSAL already, but the Azure CLI credential starts a
// process per call, and collection asks for a token per request.
type cachedToken struct {
	cred  azcore.TokenCredential
	scope string
	mu    sync.Mutex
	tok   azcore.AccessToken
}

func newCachedToken(c azcore.TokenCredential, scope string) *cachedToken {
	return &cachedToken{cred: c, scope: scope}
}

func (c *cachedToken) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Token != "" && time.Until(c.tok.ExpiresOn) > 2*time.Minute {
		return c.tok.Token, nil
	}
	t, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", fmt.Errorf("get token for %s: %w", c.scope, err)
	}
	c.tok = t
	return t.Token, nil
}

// TokenTenantID returns the tid claim of a JWT access token, or "" when the
// token is not a JWT or carries no tid (opaque simulator tokens). The
// signature is not checked: the claim only guards against using a token of
// another tenant by mistake, the service checks the signature.
func TokenTenantID(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		TID string `json:"tid"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.TID
}
