package knowledge

import "strings"

// Built-in authentication strength IDs.
const (
	StrengthMFA               = "00000000-0000-0000-0000-000000000002"
	StrengthPasswordless      = "00000000-0000-0000-0000-000000000003"
	StrengthPhishingResistant = "00000000-0000-0000-0000-000000000004"
)

// Strength is a built-in authentication strength: its id, display name and
// allowed method combinations as Graph spells them.
type Strength struct {
	ID, Name     string
	Combinations []string
}

// BuiltInStrengths returns Microsoft's built-in authentication strengths by
// id, so an inline strength carrying only its id can be judged and named
// when the authenticationStrengthPolicies dataset was not collected.
func BuiltInStrengths() map[string]Strength {
	return map[string]Strength{
		StrengthMFA: {ID: StrengthMFA, Name: "Multifactor authentication",
			Combinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
				"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush",
				"password,softwareOath", "password,hardwareOath", "password,sms", "password,voice", "federatedMultiFactor",
				"microsoftAuthenticatorPush,federatedSingleFactor", "softwareOath,federatedSingleFactor",
				"hardwareOath,federatedSingleFactor", "sms,federatedSingleFactor", "voice,federatedSingleFactor"}},
		StrengthPasswordless: {ID: StrengthPasswordless, Name: "Passwordless MFA",
			Combinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"}},
		StrengthPhishingResistant: {ID: StrengthPhishingResistant, Name: "Phishing-resistant MFA",
			Combinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}},
	}
}

// StrengthName returns the display name of a built-in strength.
func StrengthName(id string) (string, bool) {
	s, ok := BuiltInStrengths()[strings.ToLower(id)]
	return s.Name, ok
}
