package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// ResultsFile is the results document an `audit --out` directory holds.
const ResultsFile = "results.json"

// LoadOptions say how a snapshot side is audited.
type LoadOptions struct {
	// Config applies to every snapshot side (acceptances, exclusions,
	// break-glass accounts, incident); nil is the empty config.
	Config *checks.Config
	// ToolVersion is written into the results of audited snapshots.
	ToolVersion string
}

// Load reads one side of a comparison from path:
//   - a snapshot (directory with manifest.json, or a .zip): audited here,
//     objects can be compared;
//   - a results.json, or an `audit --out` directory holding one: only
//     verdicts can be compared, unless the directory also holds the
//     snapshot it was audited from (snapshot/, as `demo` writes).
func Load(path string, opt LoadOptions) (Input, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Input{}, fmt.Errorf("read %s: %w", path, err)
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, snapshot.ManifestFile)); err == nil {
			return auditSnapshot(path, opt)
		}
		res := filepath.Join(path, ResultsFile)
		if _, err := os.Stat(res); err != nil {
			return Input{}, fmt.Errorf("%s is neither a snapshot (no %s) nor an audit output directory (no %s)", path, snapshot.ManifestFile, ResultsFile)
		}
		sub := filepath.Join(path, "snapshot")
		if _, err := os.Stat(filepath.Join(sub, snapshot.ManifestFile)); err == nil {
			return auditSnapshot(sub, opt)
		}
		return loadResults(res)
	}
	f, err := os.Open(path)
	if err != nil {
		return Input{}, fmt.Errorf("read %s: %w", path, err)
	}
	head := make([]byte, 2)
	n, _ := io.ReadFull(f, head)
	f.Close()
	if n == 2 && string(head) == "PK" {
		return auditSnapshot(path, opt)
	}
	return loadResults(path)
}

func auditSnapshot(path string, opt LoadOptions) (Input, error) {
	snap, err := snapshot.Load(path, snapshot.LoadOptions{})
	if err != nil {
		return Input{}, err
	}
	cfg := opt.Config
	if cfg == nil {
		cfg = &checks.Config{}
	}
	var fromCfg *snapshot.Incident
	if cfg.Incident != nil {
		fromCfg = &snapshot.Incident{Users: cfg.Incident.Users, Start: cfg.Incident.Start}
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, fromCfg, snap.Manifest.Incident)
	// The caller decides whether entries this snapshot does not have are
	// an error (the newer side of a comparison) or not (an earlier
	// snapshot may predate accounts created since): ConfigErr.
	res, cfgErr := checks.ResolveConfig(cfg, snap, inc)
	doc := checks.Run(snap, checks.RunOptions{
		Config: res, ToolVersion: opt.ToolVersion, GeneratedAt: snap.Manifest.CollectedAt, Incident: inc,
	})
	return Input{Doc: doc, Snap: snap, Config: res, ConfigErr: cfgErr}, nil
}

// LoadResults reads a results document (results.json).
func LoadResults(path string) (*checks.Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var doc checks.Document
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s is not a results document, a snapshot directory or a snapshot zip: %w", path, err)
	}
	if doc.SchemaVersion != checks.ResultsSchemaVersion {
		return nil, fmt.Errorf("%s: results schema version %d is not supported (this build reads version %d)", path, doc.SchemaVersion, checks.ResultsSchemaVersion)
	}
	if doc.Results == nil {
		return nil, errors.New(path + ": not a results document (no results)")
	}
	return &doc, nil
}

func loadResults(path string) (Input, error) {
	doc, err := LoadResults(path)
	if err != nil {
		return Input{}, err
	}
	return Input{Doc: doc}, nil
}
