// Package goldentest compares JSON that the gateway produces (Lambda events,
// authorizer payloads) with golden files, for tests.
package goldentest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// AssertJSON compares got, compact JSON, with the golden file at path: first
// as JSON values (so that absent and null differ), then byte for byte with
// the file compacted (so that member order and escaping match too). With
// update it rewrites the file, indented, instead.
func AssertJSON(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		var buf bytes.Buffer
		if err := json.Indent(&buf, got, "", "  "); err != nil {
			t.Fatal(err)
		}
		buf.WriteByte('\n')
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var gotV, wantV any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatalf("golden %s is not JSON: %v", path, err)
	}
	if !reflect.DeepEqual(gotV, wantV) {
		t.Fatalf("output differs from %s\ngot:\n%s\nwant:\n%s", path, Indent(got), want)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compact.Bytes(), got) {
		t.Fatalf("output equals %s as JSON but not byte for byte (order or escaping)\ngot:  %s\nwant: %s", path, got, compact.Bytes())
	}
}

// Indent returns b indented, or b itself when it is not JSON.
func Indent(b []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return b
	}
	return buf.Bytes()
}
