package snapshot

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The seal of a snapshot: manifest.json holds every dataset file's SHA-256,
// so its own SHA-256 (the digest) identifies the whole snapshot, and an
// Ed25519 signature over manifest.json (manifest.sig, detached) proves who
// collected it. Signing runs after the manifest is written; it never
// changes manifest.json.

// SignatureAlgorithm is the only algorithm manifest.sig uses.
const SignatureAlgorithm = "Ed25519"

// ErrSignature marks a snapshot whose signature is missing, does not
// verify, or was made with another key.
var ErrSignature = errors.New("snapshot signature check failed")

// Signature is the content of manifest.sig.
type Signature struct {
	Algorithm string `json:"algorithm"`
	// KeyFingerprint names the signing key (see KeyFingerprint).
	KeyFingerprint string `json:"keyFingerprint"`
	// PublicKey is the signing key (base64); it shows the signature is
	// intact, while only a key the auditor holds proves who signed.
	PublicKey string `json:"publicKey"`
	// Signature is the Ed25519 signature of manifest.json's bytes (base64).
	Signature string `json:"signature"`
}

// Digest returns the hex SHA-256 of manifest bytes.
func Digest(manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return hex.EncodeToString(sum[:])
}

// KeyFingerprint is "SHA256:" and the unpadded base64 SHA-256 of the raw
// public key.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// SignManifest signs manifest bytes and returns manifest.sig's content.
func SignManifest(manifest []byte, priv ed25519.PrivateKey) ([]byte, error) {
	pub, ok := priv.Public().(ed25519.PublicKey)
	if !ok || len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("sign snapshot: not an Ed25519 private key")
	}
	sig := Signature{
		Algorithm:      SignatureAlgorithm,
		KeyFingerprint: KeyFingerprint(pub),
		PublicKey:      base64.StdEncoding.EncodeToString(pub),
		Signature:      base64.StdEncoding.EncodeToString(ed25519.Sign(priv, manifest)),
	}
	b, err := json.MarshalIndent(sig, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sign snapshot: %w", err)
	}
	return append(b, '\n'), nil
}

// parseSignature decodes manifest.sig and checks it against manifest
// bytes with the key it names. It returns the signing key.
func parseSignature(raw, manifest []byte) (ed25519.PublicKey, error) {
	var sig Signature
	if err := json.Unmarshal(raw, &sig); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", SignatureFile, err)
	}
	if sig.Algorithm != SignatureAlgorithm {
		return nil, fmt.Errorf("%s: algorithm %q is not supported (want %s)", SignatureFile, sig.Algorithm, SignatureAlgorithm)
	}
	pub, err := base64.StdEncoding.DecodeString(sig.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s: publicKey is not an Ed25519 public key", SignatureFile)
	}
	s, err := base64.StdEncoding.DecodeString(sig.Signature)
	if err != nil || len(s) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%s: signature is not an Ed25519 signature", SignatureFile)
	}
	if !ed25519.Verify(pub, manifest, s) {
		return nil, fmt.Errorf("the signature in %s does not match %s (changed after it was signed)", SignatureFile, ManifestFile)
	}
	return pub, nil
}

// SignerFingerprint returns the fingerprint of the key that signed the
// snapshot ("" when unsigned). Load has already checked that the
// signature matches the manifest.
func (s *Snapshot) SignerFingerprint() string {
	if len(s.Signature) == 0 {
		return ""
	}
	pub, err := parseSignature(s.Signature, s.manifestRaw)
	if err != nil {
		return ""
	}
	return KeyFingerprint(pub)
}

// VerifySignature proves the snapshot was signed with the private key of
// pub: it fails (ErrSignature) when the snapshot is unsigned, the signature
// does not match the manifest, or another key signed it.
func (s *Snapshot) VerifySignature(pub ed25519.PublicKey) error {
	if len(s.Signature) == 0 {
		return fmt.Errorf("%w: the snapshot is not signed (no %s); it cannot be proven to be the one collected with key %s", ErrSignature, SignatureFile, KeyFingerprint(pub))
	}
	signer, err := parseSignature(s.Signature, s.manifestRaw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if !signer.Equal(pub) {
		return fmt.Errorf("%w: signed with key %s, not with the given key %s", ErrSignature, KeyFingerprint(signer), KeyFingerprint(pub))
	}
	return nil
}

// SignPath signs a written snapshot (a directory or a .zip) with priv: it
// adds manifest.sig next to manifest.json (for a zip, the archive is
// rewritten with the same entries plus manifest.sig). It returns the
// manifest's digest.
func SignPath(p string, priv ed25519.PrivateKey) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("sign snapshot: %w", err)
	}
	if st.IsDir() {
		manifest, err := os.ReadFile(filepath.Join(p, ManifestFile))
		if err != nil {
			return "", fmt.Errorf("sign snapshot: %w", err)
		}
		sig, err := SignManifest(manifest, priv)
		if err != nil {
			return "", err
		}
		if err := writeFileAtomic(filepath.Join(p, SignatureFile), sig); err != nil {
			return "", fmt.Errorf("sign snapshot: %w", err)
		}
		return Digest(manifest), nil
	}
	return signZip(p, priv)
}

func signZip(p string, priv ed25519.PrivateKey) (string, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	defer zr.Close()
	var manifestEntry *zip.File
	prefix := ""
	for _, f := range zr.File {
		if f.Name == ManifestFile || strings.HasSuffix(f.Name, "/"+ManifestFile) && !strings.Contains(strings.TrimSuffix(f.Name, "/"+ManifestFile), "/") {
			manifestEntry = f
			prefix = strings.TrimSuffix(f.Name, ManifestFile)
			break
		}
	}
	if manifestEntry == nil {
		return "", fmt.Errorf("sign snapshot %s: no %s in the archive", p, ManifestFile)
	}
	rc, err := manifestEntry.Open()
	if err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	manifest, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	sig, err := SignManifest(manifest, priv)
	if err != nil {
		return "", err
	}
	sigName := prefix + SignatureFile
	// The signed archive is written to a file beside it (not held in
	// memory) and renamed over it.
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-*")
	if err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename
	defer tmp.Close()
	zw := zip.NewWriter(tmp)
	files := make([]*zip.File, 0, len(zr.File))
	for _, f := range zr.File {
		if f.Name != sigName {
			files = append(files, f)
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	added := false
	addSig := func() error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: sigName, Method: zip.Deflate, Modified: manifestEntry.Modified})
		if err != nil {
			return err
		}
		_, err = w.Write(sig)
		added = true
		return err
	}
	for _, f := range files {
		if !added && f.Name > sigName {
			if err := addSig(); err != nil {
				return "", fmt.Errorf("sign snapshot %s: %w", p, err)
			}
		}
		if err := zw.Copy(f); err != nil {
			return "", fmt.Errorf("sign snapshot %s: %w", p, err)
		}
	}
	if !added {
		if err := addSig(); err != nil {
			return "", fmt.Errorf("sign snapshot %s: %w", p, err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("sign snapshot %s: %w", p, err)
	}
	return Digest(manifest), nil
}

// PathDigest returns the digest of a written snapshot (directory or zip):
// the SHA-256 of its manifest, which holds every file's hash. Only the
// manifest is read (with the loader's manifest checks), so the memory it
// takes does not grow with the tenant.
func PathDigest(p string) (string, error) {
	_, raw, err := loadManifest(p)
	if err != nil {
		return "", err
	}
	return Digest(raw), nil
}
