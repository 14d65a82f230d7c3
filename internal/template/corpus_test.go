package template

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds real-world templates, each folder with a SOURCE file
// naming its origin and what is expected of it. It lives outside the
// module; the tests skip when it is absent.
const corpusDir = "../../../shared/realworld/corpus"

// refusedByCloudFormation are corpus documents whose SOURCE expects them
// served but that CloudFormation refuses: the translator's output keeps a
// reference the input's DefinitionBody makes to a function the template
// does not define.
var refusedByCloudFormation = map[string]string{
	"sam-http-api-existing-openapi": "Template error: instance of Fn::GetAtt references undefined resource DifferentFunction",
}

// corpusEntry is what a SOURCE file says.
type corpusEntry struct {
	dir                         string
	kind, scope, document, tmpl string
	expect, message, absent     string
	without, messagesFrom, exps string
}

func corpus(t *testing.T) []corpusEntry {
	t.Helper()
	sources, _ := filepath.Glob(filepath.Join(corpusDir, "*", "SOURCE"))
	if len(sources) == 0 {
		t.Skipf("no real-world corpus at %s", corpusDir)
	}
	var out []corpusEntry
	for _, src := range sources {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		e := corpusEntry{dir: filepath.Dir(src)}
		if msg, ok := refusedByCloudFormation[filepath.Base(e.dir)]; ok {
			e.expect, e.message = "refused", msg
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			switch k {
			case "kind":
				e.kind = v
			case "scope":
				e.scope = v
			case "document":
				e.document = v
			case "template":
				e.tmpl = v
			case "expect":
				e.expect = v
			case "message":
				e.message = v
			case "absent":
				e.absent = v
			case "without":
				e.without = v
			case "messages-from":
				e.messagesFrom = v
			case "expectations":
				e.exps = v
			}
		}
		out = append(out, e)
	}
	return out
}

// load loads one template with settings that let templates whose code
// lives in S3 (SAM's test inputs) be served: unrunnable functions warn.
func load(t *testing.T, path string) (*Set, []Diagnostic, error) {
	t.Helper()
	set, err := Load([]Source{{Path: path}}, Options{DataDir: t.TempDir(), UnrunnableWarn: true})
	var le *LoadError
	if errors.As(err, &le) {
		return nil, le.Diagnostics, err
	}
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return set, set.Diagnostics, nil
}

// TestCorpusTemplates serves every template of the corpus (SAM,
// CloudFormation, CDK) as AWS would, or refuses it naming the problem, as
// each SOURCE says: refused templates must report the expected message at
// a position; served ones must have routes and no error.
func TestCorpusTemplates(t *testing.T) {
	t.Parallel()
	n := 0
	for _, e := range corpus(t) {
		file := e.tmpl
		if file == "" && (e.kind == "cfn" || e.kind == "cfn-resources") {
			file = e.document
		}
		if file == "" || e.kind == "openapi" || e.kind == "capture" {
			continue
		}
		n++
		t.Run(filepath.Base(e.dir), func(t *testing.T) {
			t.Parallel()
			set, diags, err := load(t, filepath.Join(e.dir, file))
			text := diagText(diags)
			if e.absent != "" && strings.Contains(text, e.absent) {
				t.Errorf("diagnostics mention %q:\n%s", e.absent, text)
			}
			if e.expect == "refused" {
				if err == nil {
					t.Fatalf("served; want refused with %q", e.message)
				}
				for _, want := range expectedMessages(t, e) {
					if !hasPositioned(diags, want) {
						t.Errorf("no positioned error %q in:\n%s", want, text)
					}
				}
				if e.without != "" {
					checkWithout(t, e, file)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused:\n%v", err)
			}
			if len(set.APIs) == 0 {
				t.Fatalf("no API served:\n%s", text)
			}
			for _, a := range set.APIs {
				if len(a.Definition.Routes) == 0 && len(a.Stages) > 0 {
					t.Errorf("API %s has no routes", a.LogicalID)
				}
			}
			if e.exps != "" {
				checkExpectations(t, e, set)
			}
		})
	}
	if n == 0 {
		t.Error("no template in the corpus")
	}
}

func diagText(ds []Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func hasPositioned(ds []Diagnostic, msg string) bool {
	for _, d := range ds {
		if d.Severity == Error && d.Line > 0 && strings.Contains(d.Message, msg) {
			return true
		}
	}
	return false
}

// expectedMessages returns the messages a refused template must report:
// the SOURCE's message, or each sentence of the translator's errorMessage
// (its wrapper and "Resource with id [X] is invalid." prefixes aside).
func expectedMessages(t *testing.T, e corpusEntry) []string {
	if e.messagesFrom == "" {
		return []string{e.message}
	}
	b, err := os.ReadFile(filepath.Join(e.dir, e.messagesFrom))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	msg := out.ErrorMessage
	if _, rest, ok := strings.Cut(msg, "Number of errors found: "); ok {
		if i := strings.Index(rest, ". "); i >= 0 {
			msg = rest[i+2:]
		}
	}
	var msgs []string
	for _, p := range samPrefix.Split(msg, -1) {
		if p = strings.TrimSpace(p); p != "" {
			msgs = append(msgs, p)
		}
	}
	return msgs
}

// samPrefix is the translator's prefix of each error.
var samPrefix = regexp.MustCompile(`(?:Resource|Event) with id \[[^\]]*\] is invalid\. `)

// checkWithout serves the template again with the named resource removed.
func checkWithout(t *testing.T, e corpusEntry, file string) {
	data, err := os.ReadFile(filepath.Join(e.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var kept []string
	skip := false
	for _, l := range lines {
		if strings.HasPrefix(l, "  "+e.without+":") {
			skip = true
			continue
		}
		if skip && (strings.HasPrefix(l, "    ") || strings.TrimSpace(l) == "") {
			continue
		}
		skip = false
		kept = append(kept, l)
	}
	p := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(p, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	set, _, err := load(t, p)
	if err != nil {
		t.Fatalf("without %s: refused:\n%v", e.without, err)
	}
	if len(set.APIs) != 1 || len(set.APIs[0].Stages) != 1 || len(set.APIs[0].Definition.Routes) == 0 {
		t.Errorf("without %s: APIs %+v", e.without, set.APIs)
	}
}

// checkExpectations compares the routes served from a SAM input with the
// routes of the translator's output Body (route keys and authorization).
func checkExpectations(t *testing.T, e corpusEntry, set *Set) {
	want, _, err := load(t, filepath.Join(e.dir, e.exps))
	if err != nil {
		t.Fatalf("loading the translator's output: %v", err)
	}
	if got, w := routeTable(set), routeTable(want); got != w {
		t.Errorf("routes\n%s\nwant (from %s)\n%s", got, e.exps, w)
	}
}

func routeTable(s *Set) string {
	var lines []string
	for _, a := range s.APIs {
		for _, r := range a.Definition.Routes {
			lines = append(lines, a.LogicalID+" "+r.RouteKey+" "+r.AuthorizationType+" "+strings.Join(r.AuthorizationScopes, ","))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// includeLocation finds the AWS::Include locations of a template.
var includeLocation = regexp.MustCompile(`Location:\s*['"]?([^'"\s#]+)`)

// TestCorpusIncludedDocuments serves the templates that include an OpenAPI
// document of the corpus (AWS::Include). The corpus keeps the document
// next to the template, so the test lays both out in a temporary directory
// where the template expects the document. HTTP API templates are served
// (refused only for values that AWS resolves from another stack or from a
// resource apigw does not emulate, which the test then supplies as
// templates[].imports and attributes); REST-only ones are refused or
// warned about, naming REST APIs.
func TestCorpusIncludedDocuments(t *testing.T) {
	t.Parallel()
	n := 0
	for _, e := range corpus(t) {
		if e.kind != "openapi" || e.tmpl == "" {
			continue
		}
		n++
		t.Run(filepath.Base(e.dir), func(t *testing.T) {
			t.Parallel()
			tmpl, err := os.ReadFile(filepath.Join(e.dir, e.tmpl))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := os.ReadFile(filepath.Join(e.dir, e.document))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, m := range includeLocation.FindAllSubmatch(tmpl, -1) {
				p := filepath.Join(dir, string(m[1]))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, doc, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, e.tmpl)
			if err := os.WriteFile(path, tmpl, 0o644); err != nil {
				t.Fatal(err)
			}
			src := Source{Path: path}
			set, err := Load([]Source{src}, Options{DataDir: t.TempDir(), UnrunnableWarn: true})
			var le *LoadError
			if errors.As(err, &le) {
				imports, attrs := missingExports(le.Diagnostics), missingAttributes(le.Diagnostics)
				if len(imports)+len(attrs) > 0 {
					src.Imports, src.Attributes = imports, attrs
					set, err = Load([]Source{src}, Options{DataDir: t.TempDir(), UnrunnableWarn: true})
					le = nil
					errors.As(err, &le)
				}
			}
			switch {
			case e.scope == "rest-only":
				var ds []Diagnostic
				if le != nil {
					ds = le.Diagnostics
				} else {
					ds = set.Diagnostics
				}
				if !strings.Contains(diagText(ds), "REST APIs") {
					t.Errorf("REST-only template without a diagnostic naming REST APIs:\n%s", diagText(ds))
				}
			case strings.HasSuffix(e.tmpl, "serverless.yml"):
				if err == nil || !strings.Contains(err.Error(), "Serverless Framework") {
					t.Errorf("a Serverless Framework file: got %v; want it refused naming the Serverless Framework", err)
				}
			default:
				if err != nil {
					t.Fatalf("refused:\n%v", err)
				}
				routes := 0
				for _, a := range set.APIs {
					routes += len(a.Definition.Routes)
				}
				if routes == 0 {
					t.Errorf("no route served:\n%s", diagText(set.Diagnostics))
				}
			}
		})
	}
	if n == 0 {
		t.Error("no template including a document in the corpus")
	}
}

// missingExports returns a placeholder for each export the diagnostics say
// no loaded stack has.
func missingExports(ds []Diagnostic) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		if name, ok := strings.CutPrefix(d.Message, "No export named "); ok {
			name = strings.TrimSuffix(name, " found")
			out[name] = "imported-" + name
		}
	}
	return out
}

// unknownAttr matches the advice of an attribute apigw cannot compute.
var unknownAttr = regexp.MustCompile(`set templates\[\]\.attributes\["([^"]+)"\]`)

// missingAttributes returns a value for each attribute the diagnostics say
// must be configured.
func missingAttributes(ds []Diagnostic) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		if d.Severity == Error {
			if m := unknownAttr.FindStringSubmatch(d.Message); m != nil {
				out[m[1]] = "https://example.com/" + m[1]
			}
		}
	}
	return out
}
