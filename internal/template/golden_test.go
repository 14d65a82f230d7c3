package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// transformed runs phases P0 to P2 on a template and returns the
// AWS::ApiGatewayV2 resources the SAM transform produced, as JSON values,
// keyed by logical id.
func transformed(t *testing.T, path string) map[string]any {
	t.Helper()
	l := &loader{
		opts: &Options{Region: "us-east-1", AccountID: "123456789012", DataDir: t.TempDir(), DataURL: "http://127.0.0.1:3000"}, ds: &diags{},
		overrideKnown: map[string]bool{}, unknownOverrides: map[string]bool{},
		exports: map[string]exportRef{}, placeholders: map[*resource][]string{}, importBusy: map[string]bool{},
	}
	s := l.loadTemplate(&Source{Path: path}, path, "sam-app", "", nil)
	if s == nil {
		t.Fatalf("parse: %v", l.ds.sorted())
	}
	s.prepare()
	for _, d := range l.ds.sorted() {
		if d.Severity == Error {
			t.Errorf("transform: %s", d)
		}
	}
	out := map[string]any{}
	for _, id := range s.order {
		r := s.resources[id]
		if !strings.HasPrefix(r.typ, "AWS::ApiGatewayV2::") {
			continue
		}
		props := clone(r.props)
		del(props, bodyFileKey)
		out[id] = map[string]any{"Type": r.typ, "Properties": toAny(props)}
	}
	return out
}

// normalize sorts lists (by their JSON text), so that comparisons ignore
// the order of list members, which the translator's fixtures do not keep.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		sort.Slice(x, func(i, j int) bool {
			a, _ := json.Marshal(x[i])
			b, _ := json.Marshal(x[j])
			return string(a) < string(b)
		})
	}
	return v
}

// TestSAMTransformMatchesTranslator compares what apigw's SAM transform
// produces for the translator's own inputs with the translator's checked-in
// outputs (every AWS::ApiGatewayV2 resource: Api with its Body, Stage,
// DomainName, ApiMapping), read in place from the corpus.
func TestSAMTransformMatchesTranslator(t *testing.T) {
	t.Parallel()
	n := 0
	for _, e := range corpus(t) {
		in, out := filepath.Join(e.dir, "input.yaml"), filepath.Join(e.dir, "output.json")
		if !fileExists(in) || !fileExists(out) || strings.HasPrefix(filepath.Base(e.dir), "sam-error-") {
			continue
		}
		n++
		t.Run(filepath.Base(e.dir), func(t *testing.T) {
			t.Parallel()
			compareWithTranslator(t, in, out)
		})
	}
	if n == 0 {
		t.Error("no translator input/output pair in the corpus")
	}
}

func compareWithTranslator(t *testing.T, in, out string) {
	t.Helper()
	got := normalize(transformed(t, in))
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]map[string]any `json:"Resources"`
	}
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{}
	for id, r := range tmpl.Resources {
		if typ, _ := r["Type"].(string); strings.HasPrefix(typ, "AWS::ApiGatewayV2::") {
			want[id] = map[string]any{"Type": typ, "Properties": r["Properties"]}
		}
	}
	normalize(want)
	gj, _ := json.MarshalIndent(got, "", "  ")
	wj, _ := json.MarshalIndent(want, "", "  ")
	if string(gj) != string(wj) {
		t.Errorf("SAM transform of %s differs from the translator's output:\n--- got\n%s\n--- want\n%s", in, gj, wj)
	}
}
