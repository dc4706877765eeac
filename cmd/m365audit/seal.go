package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// newKeygenCmd builds `m365audit keygen --out PREFIX`: an Ed25519 key pair
// for signing snapshots (collect --sign-key) and proving them (audit
// --verify-key).
func newKeygenCmd(g *globalOptions) *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "keygen --out PREFIX",
		Short: "Write an Ed25519 key pair for signing snapshots (PREFIX.key, PREFIX.pub)",
		Long: "Write an Ed25519 key pair: PREFIX.key (private, PKCS #8 PEM, mode 0600) for collect --sign-key,\n" +
			"and PREFIX.pub (public, PKIX PEM) for audit --verify-key. Existing files are never overwritten.\n" +
			"Keep the private key with the person who collects; give the public key to whoever audits.\n\n" + exitCodesHelp("written", exitCode{exitCannotRun, "could not write the key pair (PREFIX.key or PREFIX.pub already exists, or the directory is not writable)"}),
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if prefix == "" {
				return usagef("--out PREFIX is required (writes PREFIX.key and PREFIX.pub)")
			}
			return runKeygen(g.stdout, prefix)
		},
	}
	cmd.Flags().StringVar(&prefix, "out", "", "path prefix of the key files (PREFIX.key and PREFIX.pub)")
	return cmd
}

func runKeygen(stdout io.Writer, prefix string) error {
	priv, pub, fp, err := generateKey()
	if err != nil {
		return err
	}
	keyPath, pubPath := prefix+".key", prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("keygen: %s already exists; choose another --out (keys are never overwritten)", p)
		}
	}
	if err := writeNewKeyFile(keyPath, priv, 0o600); err != nil {
		return err
	}
	if err := writeNewKeyFile(pubPath, pub, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	_, err = fmt.Fprintf(stdout, "private key: %s (keep it secret; collect --sign-key %s)\npublic key:  %s (audit --verify-key %s)\nfingerprint: %s\n",
		keyPath, keyPath, pubPath, pubPath, fp)
	return err
}

// writeNew creates a file that must not exist yet, with mode perm.
func writeNewKeyFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keygen: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("keygen: write %s: %w", path, err)
	}
	return nil
}

// readSignKey reads collect --sign-key; a bad key is a usage error, found
// before any collection.
func readSignKey(path string) (ed25519.PrivateKey, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--sign-key: %v", err)
	}
	k, err := parsePrivateKey(data)
	if err != nil {
		return nil, usagef("--sign-key %s: %v", path, err)
	}
	return k, nil
}

// readVerifyKey reads audit --verify-key.
func readVerifyKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--verify-key: %w", err)}
	}
	k, err := parsePublicKey(data)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--verify-key %s: %w", path, err)}
	}
	return k, nil
}

// sealSnapshot runs after collect wrote the snapshot: it signs it when a
// key was given and prints the digest (and signing key) on stderr, so the
// collector can record them.
func sealSnapshot(stderr io.Writer, path string, key ed25519.PrivateKey) error {
	var digest string
	var err error
	if key != nil {
		digest, err = snapshot.SignPath(path, key)
	} else {
		digest, err = snapshot.PathDigest(path)
	}
	if err != nil {
		return fmt.Errorf("seal snapshot %s: %w", path, err)
	}
	if digest == "" {
		return errors.New("seal snapshot: empty digest")
	}
	fmt.Fprintf(stderr, "Snapshot digest (SHA-256 of manifest.json): %s\n", digest)
	if key != nil {
		fmt.Fprintf(stderr, "Signed with Ed25519 key %s (%s)\n", snapshot.KeyFingerprint(key.Public().(ed25519.PublicKey)), snapshot.SignatureFile)
	}
	return nil
}

// generateKey creates an Ed25519 key pair for signing snapshots, encoded
// as PEM: the private key as PKCS #8, the public key as PKIX (both read by
// OpenSSL).
func generateKey() (privPEM, pubPEM []byte, fingerprint string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, "", fmt.Errorf("generate key: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, "", fmt.Errorf("generate key: %w", err)
	}
	pb, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, "", fmt.Errorf("generate key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pb}), snapshot.KeyFingerprint(pub), nil
}

// parsePrivateKey reads an Ed25519 private key (PKCS #8 PEM, as keygen
// writes it).
func parsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("not a PEM file (want the .key file m365audit keygen writes)")
	}
	if b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block is %q, want PRIVATE KEY (the .key file m365audit keygen writes)", b.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS #8 private key: %v", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T key, want Ed25519", k)
	}
	return priv, nil
}

// parsePublicKey reads an Ed25519 public key (PKIX PEM, as keygen writes
// it).
func parsePublicKey(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("not a PEM file (want the .pub file m365audit keygen writes)")
	}
	if b.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("PEM block is %q, want PUBLIC KEY (the .pub file m365audit keygen writes)", b.Type)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKIX public key: %v", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T key, want Ed25519", k)
	}
	return pub, nil
}
