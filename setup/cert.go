package setup

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"
)

// Certificate is the app's certificate credential: the public certificate
// uploaded to the app registration, and (when generated here) the PEM file
// with certificate and unencrypted private key that `collect --auth
// certificate --certificate` reads.
type Certificate struct {
	DER []byte
	// KeyPEM is the PEM with certificate and private key; nil when the
	// certificate was given (its key stays wherever the user keeps it).
	KeyPEM     []byte
	NotAfter   time.Time
	Thumbprint string // SHA-1, upper-case hex, as Entra ID shows it
}

// GenerateCertificate makes a self-signed RSA 3072 certificate valid from
// now for validity.
func GenerateCertificate(subject string, now time.Time, validity time.Duration) (*Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: subject},
		NotBefore:    now.Add(-5 * time.Minute).UTC(),
		NotAfter:     now.Add(validity).UTC(),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	var b strings.Builder
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	c := &Certificate{DER: der, KeyPEM: []byte(b.String()), NotAfter: tmpl.NotAfter}
	c.Thumbprint = thumbprint(der)
	return c, nil
}

// LoadCertificate reads a public certificate (PEM, possibly together with a
// key, or DER) given with --certificate-file.
func LoadCertificate(path string) (*Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	der := data
	if strings.Contains(string(data), "-----BEGIN") {
		der = nil
		for rest := data; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if blk.Type == "CERTIFICATE" {
				der = blk.Bytes
				break
			}
		}
		if der == nil {
			return nil, errors.New("read certificate: " + path + " holds no CERTIFICATE block")
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	return &Certificate{DER: der, NotAfter: cert.NotAfter, Thumbprint: thumbprint(der)}, nil
}

func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
