package template

import (
	"encoding/json"
	"flag"
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
			if strings.HasPrefix(k, "Fn::") {
				// An intrinsic's arguments are positional.
				if l, ok := e.([]any); ok {
					for i, a := range l {
						l[i] = normalize(a)
					}
					continue
				}
			}
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

var update = flag.Bool("update", false, "rewrite the golden files of testdata/sam")

// TestSAMTransformGolden compares the SAM transform of our own inputs
// (testdata/sam/*.yaml, features the translator fixtures of the corpus do
// not cover) with golden files; run with -update to rewrite them, and
// review the diff against SAM's documented behaviour.
func TestSAMTransformGolden(t *testing.T) {
	t.Parallel()
	inputs, _ := filepath.Glob("testdata/sam/*.yaml")
	if len(inputs) == 0 {
		t.Fatal("no input in testdata/sam")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			got, err := json.MarshalIndent(normalize(transformed(t, in)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(in, ".yaml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("SAM transform of %s differs from %s (run go test -update and review the diff):\n%s", in, golden, got)
			}
		})
	}
}

// TestSAMFeaturesServed loads testdata/sam/features.yaml through every
// phase: the conditional function's route exists only when its condition
// holds, and stage settings reach the stage.
func TestSAMFeaturesServed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env    string
		routes string
	}{
		{"dev", "GET /pets/{petId}"},
		{"prod", "ANY /admin,GET /pets/{petId}"},
	} {
		path, _ := filepath.Abs("testdata/sam/features.yaml")
		set, err := Load([]Source{{Path: path, ParameterOverrides: map[string]string{"Env": tc.env}}}, Options{DataDir: t.TempDir(), UnrunnableWarn: true})
		if err != nil {
			t.Fatal(err)
		}
		a := set.APIs[0]
		var keys []string
		for _, r := range a.Definition.Routes {
			keys = append(keys, r.RouteKey)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != tc.routes {
			t.Errorf("Env=%s: routes %v; want %s", tc.env, keys, tc.routes)
		}
		st := a.Stages[0]
		if st.StageName != "v1" || st.StageVariables["mode"] != "local" || *st.RouteSettings["GET /pets/{petId}"].ThrottlingBurstLimit != 10 || !a.Definition.API.DisableExecuteAPIEndpoint || a.Definition.API.Name != "pets-api" {
			t.Errorf("Env=%s: API %+v, stage %+v", tc.env, a.Definition.API, st)
		}
		if len(set.Domains) != 1 || set.Domains[0].Name.DomainName != "api.example.com" || len(set.Domains[0].Mappings) != 2 {
			t.Fatalf("Env=%s: domains %+v", tc.env, set.Domains)
		}
		var keys2 []string
		for _, m := range set.Domains[0].Mappings {
			if m.APIID != a.Definition.API.APIID || m.Stage != "v1" {
				t.Errorf("mapping %+v", m)
			}
			keys2 = append(keys2, m.APIMappingKey)
		}
		if sort.Strings(keys2); strings.Join(keys2, ",") != "admin,pets" {
			t.Errorf("mapping keys %v", keys2)
		}
	}
}
