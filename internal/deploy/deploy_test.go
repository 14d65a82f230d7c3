package deploy

import (
	"fmt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/dataplane/accesslog"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
	"github.com/apigwdev/apigw/internal/store"
)

// rig is a store, a deployer serving into served, and the management API
// on top, called in process.
type rig struct {
	st       *store.Bolt
	d        *Deployer
	cp       *controlplane.Handler
	compiles atomic.Int64
	served   atomic.Pointer[snapshot.Snapshot]
	sinks    *accesslog.Sinks
	dir      string
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	r := &rig{dir: tb.TempDir()}
	st, err := store.Open(r.dir)
	if err != nil {
		tb.Fatal(err)
	}
	r.st = st
	r.sinks = accesslog.NewSinks(accesslog.Options{DataDir: r.dir})
	transport := h1client.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.d = New(Options{
		Region: "us-east-1", AccountID: "000000000000",
		Deps: func() compile.Deps {
			r.compiles.Add(1)
			return compile.Deps{Transport: transport, AccessLogs: r.sinks, Logger: log}
		},
		Swap:   func(s *snapshot.Snapshot) *snapshot.Snapshot { return r.served.Swap(s) },
		Logger: log,
	})
	r.cp, err = controlplane.New(controlplane.Options{Store: st, Deployer: r.d, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		r.d.Close()
		r.sinks.Close()
		st.Close()
	})
	return r
}

// call sends one management API request and returns the answer's body.
func (r *rig) call(tb testing.TB, method, path, body string) string {
	tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	r.cp.ServeHTTP(w, req)
	if w.Code >= 300 {
		tb.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
	return w.Body.String()
}

// configAPIs returns n APIs of routes routes each, served on an
// autoDeploy $default stage.
func configAPIs(n, routes int) *compile.Input {
	in := &compile.Input{}
	for i := range n {
		id := fmt.Sprintf("cfg%07d", i)
		d := &model.Definition{
			API:          model.API{APIID: id, Name: id, ProtocolType: model.ProtocolHTTP},
			Integrations: []model.Integration{{IntegrationID: "int0001", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY", IntegrationURI: "http://127.0.0.1:9/x", PayloadFormatVersion: "1.0"}},
		}
		for j := range routes {
			d.Routes = append(d.Routes, model.Route{RouteID: fmt.Sprintf("r%06d", j), RouteKey: fmt.Sprintf("GET /p%d/{id}", j), Target: "integrations/int0001", AuthorizationType: model.AuthNone})
		}
		in.APIs = append(in.APIs, compile.API{Definition: d, Stages: []compile.Stage{{Stage: model.Stage{StageName: model.DefaultStageName, AutoDeploy: true}}}})
	}
	return in
}

// TestOneCompilePerAPIAtStart checks that importing the config file's
// APIs and loading the store compile each API once.
func TestOneCompilePerAPIAtStart(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	// An API created through the management API before the restart.
	if err := SyncConfig(r.st, &config.Config{}, configAPIs(1, 1), nil, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if err := r.st.Update(func(tx store.Tx) error {
		return store.APIMetas(tx).Put("cfg0000000", &store.APIMeta{})
	}); err != nil {
		t.Fatal(err)
	}
	in := configAPIs(4, 3)
	in.APIs = in.APIs[1:] // cfg0000001..3 from the file; cfg0000000 is the store's own
	if err := SyncConfig(r.st, &config.Config{}, in, r.d, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if err := r.st.View(r.d.Load); err != nil {
		t.Fatal(err)
	}
	if got := r.compiles.Load(); got != 4 {
		t.Errorf("compiles at start = %d; want 4 (one per API)", got)
	}
	if s := r.served.Load(); len(s.APIs) != 4 {
		t.Errorf("served %d APIs; want 4", len(s.APIs))
	}
	if rev := r.d.Revision(); rev != r.st.Revision() {
		t.Errorf("deployer revision %d; store %d", rev, r.st.Revision())
	}
}

// TestConfigAPIThatDoesNotCompileStoresNothing checks that an API of the
// config file that does not compile fails the import whole.
func TestConfigAPIThatDoesNotCompileStoresNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := configAPIs(2, 1)
	in.APIs[1].Definition.Routes[0].RouteKey = "GET /a/{x}/{x}"
	err := SyncConfig(r.st, &config.Config{}, in, r.d, logTo(t))
	if err == nil || !strings.Contains(err.Error(), "compiling APIs: api cfg0000001") {
		t.Fatalf("error %v; want the compile error of cfg0000001", err)
	}
	if r.st.Revision() != 0 || r.served.Load() != nil {
		t.Errorf("revision %d, served %v; want nothing stored or served", r.st.Revision(), r.served.Load())
	}
}

// TestWriteCompilesOnlyWhatItTouched checks that a write recompiles the
// API it changed, shares the others' compiled form with the snapshot it
// replaces, and that a route change without a deployment compiles nothing.
func TestWriteCompilesOnlyWhatItTouched(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if err := SyncConfig(r.st, &config.Config{}, configAPIs(3, 2), r.d, logTo(t)); err != nil {
		t.Fatal(err)
	}
	before := r.served.Load()
	r.compiles.Store(0)
	r.call(t, "PATCH", "/v2/apis/cfg0000001/integrations/int0001", `{"integrationUri":"http://127.0.0.1:9/y"}`)
	if got := r.compiles.Load(); got != 1 {
		t.Errorf("compiles for one UpdateIntegration = %d; want 1", got)
	}
	after := r.served.Load()
	if after.APIs["cfg0000000"] != before.APIs["cfg0000000"] || after.APIs["cfg0000002"] != before.APIs["cfg0000002"] {
		t.Error("untouched APIs were recompiled")
	}
	if after.APIs["cfg0000001"] == before.APIs["cfg0000001"] {
		t.Error("the updated API was not recompiled")
	}
	// A stage without autoDeploy: a route change deploys nothing.
	r.call(t, "PATCH", "/v2/apis/cfg0000002/stages/$default", `{"autoDeploy":false}`)
	r.compiles.Store(0)
	r.call(t, "PATCH", "/v2/apis/cfg0000002/routes/r000000", `{"routeKey":"GET /other"}`)
	if got := r.compiles.Load(); got != 0 {
		t.Errorf("compiles for a route change without deployment = %d; want 0", got)
	}
	// Deleting an API removes it and nothing else.
	r.call(t, "DELETE", "/v2/apis/cfg0000000", "")
	if s := r.served.Load(); s.APIs["cfg0000000"] != nil || len(s.APIs) != 2 {
		t.Errorf("after DeleteApi: served %d APIs", len(s.APIs))
	}
}

// TestDomainFollowsTheAPIItMaps checks that a custom domain's mapping
// serves the stage as redeployed.
func TestDomainFollowsTheAPIItMaps(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if err := SyncConfig(r.st, &config.Config{}, configAPIs(2, 1), r.d, logTo(t)); err != nil {
		t.Fatal(err)
	}
	r.call(t, "POST", "/v2/domainnames", `{"domainName":"api.example.com"}`)
	r.call(t, "POST", "/v2/domainnames/api.example.com/apimappings", `{"apiId":"cfg0000001","stage":"$default","apiMappingKey":"v1"}`)
	dom := r.served.Load().Domains["api.example.com"]
	if dom == nil || len(dom.Mappings) != 1 || dom.Mappings[0].API != r.served.Load().APIs["cfg0000001"] {
		t.Fatalf("domain not served with its mapping: %+v", dom)
	}
	r.call(t, "PATCH", "/v2/apis/cfg0000001/integrations/int0001", `{"integrationUri":"http://127.0.0.1:9/y"}`)
	s := r.served.Load()
	if got := s.Domains["api.example.com"].Mappings[0].Stage; got != s.APIs["cfg0000001"].DefaultStage {
		t.Error("the domain's mapping still serves the stage as it was before the redeploy")
	}
}

// TestAccessLogOpenedWhenServedClosedWhenRetired checks that compiling
// opens no access log, serving opens it, and retiring the last stage
// logging there closes it.
func TestAccessLogOpenedWhenServedClosedWhenRetired(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if err := SyncConfig(r.st, &config.Config{}, configAPIs(1, 1), r.d, logTo(t)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(r.dir, "access", "a.log")
	al := &model.AccessLogSettings{DestinationARN: path, Format: "$context.status"}
	// Compiling alone opens nothing.
	in := configAPIs(1, 1).APIs[0]
	in.Stages[0].Stage.AccessLogSettings = al
	if _, _, err := compile.CompileAPI(&in, r.d.opts.Deps()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); err == nil {
		t.Fatalf("compiling created %s", filepath.Dir(path))
	}
	// Stage settings are served as soon as they are changed.
	r.call(t, "PATCH", "/v2/apis/cfg0000000/stages/$default", fmt.Sprintf(`{"accessLogSettings":{"destinationArn":%q,"format":"$context.status"}}`, path))
	st := r.served.Load().APIs["cfg0000000"].DefaultStage
	if st.AccessLog == nil {
		t.Fatal("no access log served")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("access log not opened once served: %v", err)
	}
	r.call(t, "DELETE", "/v2/apis/cfg0000000/stages/$default/accesslogsettings", "")
	dropped := r.sinks.Dropped()
	st.AccessLog.Log(&invoke.Request{}, &invoke.Outcome{})
	if r.sinks.Dropped() != dropped+1 {
		t.Error("the retired stage's access log still accepts entries")
	}
}

// BenchmarkWrite measures one UpdateIntegration (with an automatic
// deployment: commit, compile, swap) against the number of routes of the
// other APIs of the store. The wall time includes the store's fsync;
// cpu-ns/op is the process's CPU per write.
func BenchmarkWrite(b *testing.B) {
	for _, other := range []int{0, 3000, 10000} {
		b.Run(fmt.Sprintf("otherRoutes=%d", other), func(b *testing.B) {
			r := newRig(b)
			in := configAPIs(1, 3)
			if other > 0 {
				more := configAPIs(1+other/100, 100)
				in.APIs = append(in.APIs, more.APIs[1:]...)
			}
			if err := SyncConfig(r.st, &config.Config{}, in, r.d, func(m string) { b.Log(m) }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			c0, cpuOK := processCPU()
			for i := 0; i < b.N; i++ {
				body := fmt.Sprintf(`{"integrationUri":"http://127.0.0.1:9/%d"}`, i)
				req := httptest.NewRequest("PATCH", "/v2/apis/cfg0000000/integrations/int0001", strings.NewReader(body))
				w := httptest.NewRecorder()
				r.cp.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
			if c1, _ := processCPU(); cpuOK {
				b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// logTo returns a logError that fails t.
func logTo(t *testing.T) func(string) { return func(m string) { t.Error(m) } }
