// Package deptest enforces the import fences of STYLE.md section 3.1 with a
// test, so a layering mistake fails CI instead of growing quietly.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/apigwdev/apigw/"

// fence says which packages of this module a package may import (prefix
// match); standard-library imports are always allowed; third-party modules only
// if thirdParty is set.
type fence struct {
	pkg        string
	allowed    []string
	thirdParty bool
}

var fences = []fence{
	{pkg: "internal/routekey"},
	{pkg: "internal/gwerr"},
	{pkg: "internal/invoke"},
	{pkg: "internal/model", allowed: []string{"internal/routekey"}},
	{pkg: "internal/snapshot", allowed: []string{"internal/routekey", "internal/invoke"}},
	{pkg: "internal/dataplane/cors", allowed: []string{"internal/model"}},
	{pkg: "internal/dataplane", allowed: []string{"internal/routekey", "internal/invoke", "internal/snapshot", "internal/gwerr"}},
	{pkg: "internal/invoke/contextvars", allowed: []string{"internal/invoke"}},
	{pkg: "internal/dataplane/throttle", allowed: []string{"internal/model", "internal/snapshot"}},
	{pkg: "internal/dataplane/accesslog", allowed: []string{"internal/invoke/contextvars", "internal/invoke", "internal/model", "internal/snapshot"}},
	{pkg: "internal/integration/parammap", allowed: []string{"internal/invoke/contextvars", "internal/invoke", "internal/model", "internal/snapshot"}},
	{pkg: "internal/metrics", allowed: []string{"internal/invoke"}},
	{pkg: "internal/yamlnode", thirdParty: true},
	{pkg: "internal/awserr", allowed: []string{"internal/model"}},
	{pkg: "internal/store", allowed: []string{"internal/model"}, thirdParty: true},
	{pkg: "internal/controlplane", allowed: []string{"internal/awserr", "internal/model", "internal/openapi", "internal/routekey", "internal/store"}, thirdParty: true},
	{pkg: "internal/dataplane/authz", allowed: []string{"internal/invoke", "internal/gwerr", "internal/model", "internal/snapshot", "internal/integration/lambdaproxy", "internal/dataplane/authz"}, thirdParty: true},
	{pkg: "internal/integration/lambdaproxy", allowed: []string{"internal/invoke", "internal/gwerr"}, thirdParty: true},
	{pkg: "internal/integration/httpproxy", allowed: []string{"internal/invoke", "internal/gwerr"}, thirdParty: true},
	// TLS termination reads the served snapshot's domains; nothing else.
	{pkg: "internal/listener", allowed: []string{"internal/snapshot"}, thirdParty: true},
}

// forbidden lists imports a package (prefix) must never have, whatever else it
// may import.
var forbidden = map[string][]string{
	"internal/dataplane":    {"internal/controlplane", "internal/store"},
	"internal/functions":    {"internal/dataplane", "internal/integration"},
	"internal/controlplane": {"internal/dataplane", "internal/compile", "internal/snapshot"},
	// The deployer turns store revisions into snapshots; it serves nothing.
	"internal/deploy": {"internal/app", "internal/dataplane"},
}

func TestImportFences(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], module), fields[1:]
		for _, f := range fences {
			if pkg != f.pkg {
				continue
			}
			checked++
			for _, imp := range imports {
				if !checkImport(f, imp) {
					t.Errorf("%s imports %s, outside its fence (allowed: stdlib %v, third party %v)", pkg, imp, f.allowed, f.thirdParty)
				}
			}
		}
		for prefix, bad := range forbidden {
			if !strings.HasPrefix(pkg, prefix) {
				continue
			}
			for _, imp := range imports {
				for _, b := range bad {
					if strings.HasPrefix(imp, module+b) {
						t.Errorf("%s imports %s, which it must never import", pkg, imp)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no fenced package found: is the module path right?")
	}
}

func checkImport(f fence, imp string) bool {
	if rel, ok := strings.CutPrefix(imp, module); ok {
		for _, a := range f.allowed {
			if rel == a || strings.HasPrefix(rel, a+"/") {
				return true
			}
		}
		return false
	}
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	return f.thirdParty
}
