package yamlnode

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestPairs checks the merge-key rules the config file and OpenAPI
// documents share: explicit entries win, merges come after them in order,
// nested merges are expanded, aliases are followed.
func TestPairs(t *testing.T) {
	t.Parallel()
	src := `
base: &base {a: 1, b: 2}
more: &more {<<: *base, c: 3}
doc:
  b: explicit
  <<: [*more, {d: 4}]
`
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	doc := Lookup(root.Content[0], "doc")
	var got []string
	for _, p := range Pairs(doc) {
		got = append(got, p.Key.Value+"="+p.Val.Value)
	}
	if want := "b=explicit c=3 a=1 d=4"; strings.Join(got, " ") != want {
		t.Errorf("Pairs = %q; want %q", strings.Join(got, " "), want)
	}
	if Lookup(doc, "missing") != nil || Lookup(nil, "b") != nil {
		t.Error("Lookup found a key that is not there")
	}
}

func TestPosition(t *testing.T) {
	for _, c := range []struct {
		file      string
		line, col int
		want      string
	}{
		{"api.yaml", 3, 7, "api.yaml:3:7: "},
		{"api.yaml", 3, 0, "api.yaml:3: "},
		{"api.yaml", 0, 7, "api.yaml: "},
		{"", 3, 7, "3:7: "},
		{"", 0, 0, ""},
	} {
		if got := Position(c.file, c.line, c.col); got != c.want {
			t.Errorf("Position(%q, %d, %d) = %q; want %q", c.file, c.line, c.col, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"listen", "adminListen", "functions"}
	for name, want := range map[string]string{
		"lisen":                 "listen",      // one edit
		"AdminListen":           "adminListen", // case ignored
		"functoins":             "functions",   // two edits
		"fnctns":                "",            // three edits
		"listen":                "listen",
		strings.Repeat("a", 65): "",
	} {
		if got := Suggest(name, known); got != want {
			t.Errorf("Suggest(%q) = %q; want %q", name, got, want)
		}
	}
}
