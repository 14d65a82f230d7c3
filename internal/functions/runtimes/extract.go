package runtimes

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// bootstraps holds the Node.js bootstrap (index.mjs, an ES module using
// node: built-ins only) and the Python one (bootstrap.py, standard library
// only).
//
//go:embed bootstrap/index.mjs bootstrap/bootstrap.py
var bootstraps embed.FS

// Bootstrap file names inside the runtime directory, as on Lambda
// (/var/runtime/index.mjs, /var/runtime/bootstrap.py).
const (
	NodeBootstrap   = "index.mjs"
	PythonBootstrap = "bootstrap.py"
)

// Extract writes the embedded bootstraps, read-only, to
// dataDir/runtime/{first 12 hex digits of their SHA-256}/ and returns that
// absolute directory, the functions' LAMBDA_RUNTIME_DIR. Files already there
// are reused; each is written to a temporary name and renamed, so that
// concurrent gateways sharing dataDir never see a partial file. Real files
// (not `node -e`) keep stack traces and "Require stack:" lines naming a
// file, as Lambda's name /var/runtime/index.mjs.
func Extract(dataDir string) (string, error) {
	names := []string{NodeBootstrap, PythonBootstrap}
	h := sha256.New()
	contents := make([][]byte, len(names))
	for i, n := range names {
		b, err := bootstraps.ReadFile("bootstrap/" + n)
		if err != nil {
			return "", fmt.Errorf("reading embedded bootstrap %s: %w", n, err)
		}
		contents[i] = b
		h.Write([]byte(n))
		h.Write(b)
	}
	dir, err := filepath.Abs(filepath.Join(dataDir, "runtime", hex.EncodeToString(h.Sum(nil))[:12]))
	if err != nil {
		return "", fmt.Errorf("writing runtime bootstraps: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing runtime bootstraps: %w", err)
	}
	for i, n := range names {
		dst := filepath.Join(dir, n)
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(contents[i]) {
			continue
		}
		tmp, err := os.CreateTemp(dir, "."+n+".*")
		if err != nil {
			return "", fmt.Errorf("writing runtime bootstrap %s: %w", n, err)
		}
		_, werr := tmp.Write(contents[i])
		cerr := tmp.Close()
		if err := firstErr(werr, cerr, os.Chmod(tmp.Name(), 0o444)); err != nil {
			_ = os.Remove(tmp.Name())
			return "", fmt.Errorf("writing runtime bootstrap %s: %w", n, err)
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			_ = os.Remove(tmp.Name())
			return "", fmt.Errorf("writing runtime bootstrap %s: %w", n, err)
		}
	}
	return dir, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
