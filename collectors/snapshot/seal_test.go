package snapshot

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKeys(t *testing.T) (ed25519.PrivateKey, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if fp := KeyFingerprint(pub); !strings.HasPrefix(fp, "SHA256:") || len(fp) != 7+43 {
		t.Fatalf("fingerprint %q", fp)
	}
	return priv, pub
}

func TestSignAndVerifyDirectoryAndZip(t *testing.T) {
	priv, pub := testKeys(t)
	_, otherPub := testKeys(t)
	dir := writeTrustSample(t, nil)
	manifest, _ := os.ReadFile(filepath.Join(dir, ManifestFile))

	// Unsigned: verification fails, the digest is still there.
	s, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifySignature(pub); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "not signed") {
		t.Errorf("unsigned: %v", err)
	}
	if s.Digest != Digest(manifest) {
		t.Errorf("digest %s", s.Digest)
	}

	// Packed to a zip before signing, then signed in place.
	var buf bytes.Buffer
	if err := Pack(dir, &buf); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(t.TempDir(), "snap.zip")
	os.WriteFile(zp, buf.Bytes(), 0o600)

	digest, err := SignPath(dir, priv)
	if err != nil || digest != Digest(manifest) {
		t.Fatalf("sign dir: %s %v", digest, err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, ManifestFile)); !bytes.Equal(after, manifest) {
		t.Error("signing changed manifest.json")
	}
	if _, err := SignPath(zp, priv); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if strings.Join(names, ",") != "manifest.json,manifest.sig,organization.json,users.json" {
		t.Errorf("zip entries = %v", names)
	}
	for _, p := range []string{dir, zp} {
		s, err := Load(p, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Signature) == 0 || len(s.Unexpected) != 0 || s.SignerFingerprint() != KeyFingerprint(pub) {
			t.Errorf("%s: signature %d bytes, unexpected %v", p, len(s.Signature), s.Unexpected)
		}
		if err := s.VerifySignature(pub); err != nil {
			t.Errorf("%s: verify with the signing key: %v", p, err)
		}
		if err := s.VerifySignature(otherPub); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "not with the given key") {
			t.Errorf("%s: verify with another key: %v", p, err)
		}
	}
}

// TestSignatureDetectsAnyManifestEdit: an edit no cross-check can see
// (the collection time) breaks the signature; the load refuses it, and
// with --allow-tampered verification still fails.
func TestSignatureDetectsAnyManifestEdit(t *testing.T) {
	priv, pub := testKeys(t)
	dir := writeTrustSample(t, nil)
	if _, err := SignPath(dir, priv); err != nil {
		t.Fatal(err)
	}
	editManifest(t, dir, func(m *Manifest) { m.CollectedAt = m.CollectedAt.Add(-48 * 3600e9) })
	_, err := Load(dir, LoadOptions{})
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "manifest.sig") || !strings.Contains(err.Error(), "changed after it was signed") {
		t.Fatalf("edited signed manifest: %v", err)
	}
	s, err := Load(dir, LoadOptions{AllowIntegrityErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifySignature(pub); !errors.Is(err, ErrSignature) {
		t.Errorf("verify after edit: %v", err)
	}
	// A garbled signature file is refused too.
	dir = writeTrustSample(t, nil)
	os.WriteFile(filepath.Join(dir, SignatureFile), []byte("{"), 0o600)
	if _, err := Load(dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "manifest.sig") {
		t.Errorf("garbled signature: %v", err)
	}
}
