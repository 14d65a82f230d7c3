package openapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds real-world documents, each folder with a SOURCE file
// naming its origin, its kind and its scope. It lives outside the module;
// the test skips when it is absent.
const corpusDir = "../../../shared/realworld/corpus"

// corpusSource is what a SOURCE file says about a folder.
type corpusSource struct {
	kind, scope, document, template string
}

func readCorpusSource(t *testing.T, path string) corpusSource {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s corpusSource
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch k {
		case "kind":
			s.kind = v
		case "scope":
			s.scope = v
		case "document":
			s.document = v
		case "template":
			s.template = v
		}
	}
	return s
}

// TestCorpusOpenAPI imports every OpenAPI document of the corpus as
// ImportApi would: HTTP API documents import; documents written to be
// included into a template (they hold CloudFormation intrinsic functions)
// are refused with a message naming the intrinsic and telling to serve the
// template; REST-only documents are refused or warned about, naming what
// HTTP APIs do not support. The template package serves the including
// templates.
func TestCorpusOpenAPI(t *testing.T) {
	t.Parallel()
	sources, _ := filepath.Glob(filepath.Join(corpusDir, "*", "SOURCE"))
	if len(sources) == 0 {
		t.Skipf("no real-world corpus at %s", corpusDir)
	}
	n := 0
	for _, src := range sources {
		s := readCorpusSource(t, src)
		if s.kind != "openapi" {
			continue
		}
		n++
		dir := filepath.Dir(src)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, s.document)
			doc, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(doc, Options{Filename: s.document})
			var ie *ImportError
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("Import: %v", err)
			}
			hasIntrinsic := strings.Contains(string(doc), "Fn::") || strings.Contains(string(doc), "Ref:") || strings.Contains(string(doc), `"Ref"`)
			switch {
			case s.scope == "rest-only":
				if ie != nil {
					return // refused; each message is checked below when intrinsic
				}
				named := false
				for _, d := range res.Diagnostics {
					if d.Severity == Warning && strings.Contains(d.Message, "HTTP APIs support only") {
						named = true
					}
				}
				if !named {
					t.Errorf("REST-only document imported without a warning naming what HTTP APIs do not support: %v", res.Diagnostics)
				}
			case hasIntrinsic:
				if ie == nil {
					t.Fatalf("document with intrinsic functions imported: %d routes", len(res.Definition.Routes))
				}
				for _, d := range ie.Diagnostics {
					if !strings.Contains(d.Message, "CloudFormation intrinsic function") || d.Line == 0 {
						t.Errorf("diagnostic %q does not name the intrinsic function at a position", d)
					}
				}
			default:
				if ie != nil {
					t.Fatalf("HTTP API document refused:\n%v", ie)
				}
				if len(res.Definition.Routes) == 0 {
					t.Errorf("no routes imported")
				}
				for _, d := range res.Diagnostics {
					if d.Severity == Warning {
						t.Errorf("unexpected warning: %s", d)
					}
				}
			}
		})
	}
	if n == 0 {
		t.Errorf("no OpenAPI document in %s", corpusDir)
	}
}
