package deptest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the module path; packages below are named relative to it.
const module = "github.com/apigwdev/apigw"

// A fence constrains every package of a subtree (From and everything below
// it) by what it reaches through its non-test imports, directly or through
// any chain of module packages: the model is Tailscale's tstest/deptest, which
// checks a binary's transitive dependencies against a list of bad ones, each
// with its reason.
type fence struct {
	// From is the fenced subtree, relative to the module ("internal/dataplane"
	// fences internal/dataplane and internal/dataplane/authz/jwt alike).
	From string
	// Never lists subtrees no package of From may reach.
	Never []string
	// Only, when not nil, lists the only module subtrees the packages of From
	// may reach besides From itself (a leaf: Only is empty).
	Only []string
	// StdlibOnly forbids third-party imports anywhere in what From reaches.
	StdlibOnly bool
	// Why is the reason, printed when the fence is crossed.
	Why string
}

// fences is the architecture of docs/architecture.md, as rules.
var fences = []fence{
	// Leaves: every other layer may use them, they use nothing of ours.
	{From: "internal/routekey", Only: []string{}, StdlibOnly: true,
		Why: "the route-key grammar is shared by the model (validation) and the data plane (matching): a leaf"},
	{From: "internal/gwerr", Only: []string{}, StdlibOnly: true,
		Why: "the data plane's error catalogue is rendered in one place and depends on nothing"},
	{From: "internal/invoke", Only: []string{}, StdlibOnly: true,
		Why: "invoke and its subtree (contextvars, lambdacall, reqfacts) are the contract between the data plane and the integrations; a leaf, so that both sides can import it without cycles"},
	{From: "internal/model", Only: []string{"internal/routekey"}, StdlibOnly: true,
		Why: "the apigatewayv2 resource model is pure data"},
	{From: "internal/snapshot", Only: []string{"internal/routekey", "internal/invoke"}, StdlibOnly: true,
		Why: "the snapshot holds immutable runtime values behind small interfaces; it must not pull in the packages that implement them"},
	{From: "internal/awserr", Only: []string{"internal/model", "internal/routekey"}, StdlibOnly: true,
		Why: "the management API's error type depends only on the model"},
	{From: "internal/yamlnode", Only: []string{},
		Why: "the YAML node walker is shared by the config, OpenAPI and template readers"},
	{From: "internal/issuer", Only: []string{},
		Why: "the local OIDC issuer stands alone: the admin listener serves it and the CLI mints tokens with it"},

	// The request path.
	{From: "internal/dataplane", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/controlplane", "internal/store", "internal/compile",
		"internal/config", "internal/openapi", "internal/functions", "internal/issuer",
	}, Why: "the data plane serves a compiled snapshot: it never reads definitions, the store or the config, and it reaches functions only through invoke.Invoker"},
	{From: "internal/integration", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/controlplane", "internal/store",
		"internal/compile", "internal/config", "internal/openapi", "internal/functions",
	}, Why: "integrations implement invoke.Invoker for the data plane; the Lambda proxy reaches functions through lambdacall.Caller, adapted in app"},
	{From: "internal/functions", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/controlplane",
		"internal/store", "internal/compile", "internal/snapshot",
	}, Why: "the local Lambda runtime knows nothing of API Gateway: it runs functions for whoever calls them"},

	// Definitions: the ways in, the store, the management API, compilation.
	{From: "internal/compile", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/controlplane", "internal/store", "internal/config",
		"internal/openapi", "internal/functions",
	}, Why: "compile turns model values into a snapshot; it does not read files, the store or the config"},
	{From: "internal/controlplane", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/compile",
		"internal/snapshot", "internal/functions",
	}, Why: "the management API edits stored definitions; deploying them is the deployer's business"},
	{From: "internal/store", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/compile",
		"internal/snapshot", "internal/controlplane", "internal/functions", "internal/config", "internal/openapi",
	}, Why: "the store persists model values and nothing else"},
	{From: "internal/config", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/compile",
		"internal/snapshot", "internal/controlplane", "internal/store",
	}, Why: "the config file is decoded into plain values (it applies the functions package's rules to its functions); the packages that use them import config, not the reverse"},
	{From: "internal/openapi", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/compile",
		"internal/snapshot", "internal/controlplane", "internal/store", "internal/functions", "internal/config",
	}, Why: "OpenAPI import and export convert between documents and model definitions only"},
	{From: "internal/template", Never: []string{
		"internal/app", "internal/cli", "internal/deploy", "internal/dataplane", "internal/integration", "internal/compile",
		"internal/snapshot", "internal/controlplane", "internal/store", "internal/config",
	}, Why: "templates are resolved into model definitions and function settings (through the OpenAPI importer); the gateway wires them, not the reverse"},

	// TLS termination.
	{From: "internal/listener", Only: []string{"internal/snapshot", "internal/routekey", "internal/invoke"},
		Why: "TLS termination reads the served snapshot's domains; nothing else"},

	// The inspector.
	{From: "internal/inspector", Only: []string{"internal/dataplane", "internal/invoke", "internal/snapshot", "internal/routekey", "internal/gwerr"},
		Why: "the inspector sees requests only through the data plane's Inspector hook and the invoke types"},

	// Traces.
	{From: "internal/tracing", Only: []string{"internal/dataplane", "internal/invoke", "internal/snapshot", "internal/routekey", "internal/gwerr"},
		Why: "tracing, like the inspector, sees requests only through the data plane's Tracer hook; OpenTelemetry does the rest"},

	// Test helpers never reach production code's import graph.
	{From: "internal", Never: []string{
		"internal/gatewaytest", "internal/goldentest", "internal/store/storetest", "internal/listener/listenertest", "internal/clustertest", "internal/testbin", "internal/leaktest", "internal/docstest", "internal/deptest",
	}, Why: "test harnesses and fakes live in test-only packages that production code never imports"},
}

// testOnly lists the packages that the last fence exempts from itself: the
// test helpers may use each other.
var testOnly = []string{"internal/gatewaytest", "internal/goldentest", "internal/store/storetest", "internal/listener/listenertest", "internal/clustertest", "internal/testbin", "internal/leaktest", "internal/docstest", "internal/deptest"}

// graph is the module's import graph: package (relative to the module) to
// its non-test imports (module packages relative, others as they are).
type graph map[string][]string

// loadGraph reads every package of the module with go/build, which opens the
// source files, so that the test's cached result is invalidated when an
// import changes.
func loadGraph(t *testing.T) graph {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	g := graph{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "node_modules") {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		pkg, err := build.Default.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var imports []string
		for _, imp := range pkg.Imports {
			if r, ok := strings.CutPrefix(imp, module+"/"); ok {
				imp = r
			}
			imports = append(imports, imp)
		}
		g[filepath.ToSlash(rel)] = imports
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module's packages: %v", err)
	}
	return g
}

// under reports whether pkg is subtree or below it.
func under(pkg, subtree string) bool {
	return pkg == subtree || strings.HasPrefix(pkg, subtree+"/")
}

func isStdlib(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// reach returns every module package and every outside import from reaches
// through non-test imports, each with the chain that reaches it.
func (g graph) reach(from string) map[string][]string {
	chains := map[string][]string{}
	queue := [][]string{{from}}
	for len(queue) > 0 {
		chain := queue[0]
		queue = queue[1:]
		for _, imp := range g[chain[len(chain)-1]] {
			if _, seen := chains[imp]; seen {
				continue
			}
			next := append(slices.Clone(chain), imp)
			chains[imp] = next
			if _, ours := g[imp]; ours {
				queue = append(queue, next)
			}
		}
	}
	return chains
}

func TestImportFences(t *testing.T) {
	t.Parallel()
	g := loadGraph(t)
	if len(g) < 10 {
		t.Fatalf("found %d packages: is the module root right?", len(g))
	}
	for _, f := range fences {
		matched := 0
		for pkg := range g {
			if !under(pkg, f.From) || (f.From == "internal" && slices.ContainsFunc(testOnly, func(s string) bool { return under(pkg, s) })) {
				continue
			}
			matched++
			for dep, chain := range g.reach(pkg) {
				_, ours := g[dep]
				var crossed bool
				switch {
				case ours && slices.ContainsFunc(f.Never, func(s string) bool { return under(dep, s) }):
					crossed = true
				case ours && f.Only != nil && !under(dep, f.From) && !slices.ContainsFunc(f.Only, func(s string) bool { return under(dep, s) }):
					crossed = true
				case !ours && f.StdlibOnly && !isStdlib(dep):
					crossed = true
				}
				if crossed {
					t.Errorf("%s reaches %s (%s), crossing the fence of %s: %s", pkg, dep, strings.Join(chain, " -> "), f.From, f.Why)
				}
			}
		}
		if matched == 0 {
			t.Errorf("fence %s matches no package: remove it or fix its path", f.From)
		}
	}
}

// TestFenceCatchesTransitiveImports checks the checker: a package that
// reaches a forbidden one through an allowed one is reported.
func TestFenceCatchesTransitiveImports(t *testing.T) {
	t.Parallel()
	g := graph{"a": {"b", "fmt"}, "b": {"c"}, "c": {"example.com/x"}}
	chains := g.reach("a")
	if got := strings.Join(chains["c"], " -> "); got != "a -> b -> c" {
		t.Errorf("chain to c = %q; want a -> b -> c", got)
	}
	if _, ok := chains["example.com/x"]; !ok {
		t.Error("a third-party import two levels down is not reached")
	}
	if !under("internal/dataplane/authz/jwt", "internal/dataplane") || under("internal/dataplanex", "internal/dataplane") {
		t.Error("under does not match whole subtrees only")
	}
}
