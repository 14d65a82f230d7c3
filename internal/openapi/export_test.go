package openapi

import (
	"os"
	"slices"
	"testing"
	"time"
)

// TestExportRoundTrip imports documents, exports them (JSON and YAML) and
// imports the exports: the routes, integrations and authorizers come back.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"f8-example.json", "sam-http-api.yaml", "yaml-features.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			first, err := Import(src, Options{Filename: name})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			doc := Export(&first.Definition, ExportOptions{Endpoint: "https://abc.execute-api.us-east-1.amazonaws.com", Extensions: true, Now: time.Unix(0, 0)})
			yml, err := doc.YAML()
			if err != nil {
				t.Fatal(err)
			}
			for format, out := range map[string][]byte{"json": doc.JSON(), "yaml": yml} {
				again, err := Import(out, Options{Filename: "export." + format})
				if err != nil {
					t.Fatalf("re-importing the %s export: %v\n%s", format, err, out)
				}
				if got, want := routeKeys(again), routeKeys(first); !slices.Equal(got, want) {
					t.Errorf("%s export: routes = %v; want %v", format, got, want)
				}
				if got, want := len(again.Definition.Authorizers), len(first.Definition.Authorizers); got != want {
					t.Errorf("%s export: %d authorizers; want %d", format, got, want)
				}
				if got, want := len(again.Definition.Integrations), len(first.Definition.Integrations); got > want {
					t.Errorf("%s export: %d integrations; want at most %d", format, got, want)
				}
			}
		})
	}
}

func routeKeys(r *Result) []string {
	var keys []string
	for _, rt := range r.Definition.Routes {
		keys = append(keys, rt.RouteKey)
	}
	slices.Sort(keys)
	return keys
}
