package openapi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzImport checks that no document makes Import panic, and that every
// failure is an *ImportError with at least one diagnostic.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	json, _ := filepath.Glob("testdata/*.json")
	for _, p := range append(files, json...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + "  /a/{x}:\n    get:\n" + lambdaInt + "      security: [{jwt: [a]}]\n"))
	f.Add([]byte("openapi: 3.0.1\ninfo: &i {title: t}\npaths: {/a: {get: *i, put: {<<: *i}}}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, mode := range []string{"ignore", "prepend", "split"} {
			res, err := Import(doc, Options{Filename: "f.yaml", Basepath: mode})
			if err != nil {
				var ie *ImportError
				if !errors.As(err, &ie) || len(ie.Diagnostics) == 0 {
					t.Fatalf("error %v is not an *ImportError with diagnostics", err)
				}
				continue
			}
			if res == nil {
				t.Fatal("nil result without error")
			}
			if err := res.Definition.Validate(); err != nil {
				t.Fatalf("imported definition does not validate: %v", err)
			}
		}
	})
}
