package bench

// The data plane handler alone, with a no-op integration, on the plain route
// and on the route with a JWT authorizer, CORS, an access log file, and all
// three, as bench/gen -kind secure builds it (the bench/run.sh row "JWT +
// CORS + access log"). cpu-ns/op counts the whole process's CPU (the access
// log writer and the GC included), which is steadier than wall time on a
// shared machine.

import (
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/dataplane/accesslog"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/issuer"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const featuresLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","sub":"$context.authorizer.claims.sub"}`

func BenchmarkHandlerFeatures(b *testing.B) {
	dir := b.TempDir()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	is, err := issuer.Open(dir, srv.URL+"/_issuer", issuer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	mux.Handle("/_issuer/", is)
	tok, err := is.Mint(issuer.MintOptions{Subject: "bench", Audience: []string{"bench"}, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name                 string
		jwt, cors, accessLog bool
	}{
		{name: "plain"},
		{name: "jwt", jwt: true},
		{name: "cors", cors: true},
		{name: "accesslog", accessLog: true},
		{name: "all", jwt: true, cors: true, accessLog: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := definition(10, "http://127.0.0.1:9")
			st := model.Stage{StageName: "$default"}
			sinks := accesslog.NewSinks(accesslog.Options{DataDir: dir})
			defer sinks.Close()
			if tc.accessLog {
				st.AccessLogSettings = &model.AccessLogSettings{DestinationARN: filepath.Join(dir, tc.name+".log"), Format: featuresLogFormat}
			}
			if tc.cors {
				maxAge := 600
				d.API.CORSConfiguration = &model.CORS{AllowOrigins: []string{"http://localhost:8080"}, AllowMethods: []string{"GET", "POST"},
					AllowHeaders: []string{"content-type", "authorization"}, ExposeHeaders: []string{"x-request-id"}, MaxAge: &maxAge}
			}
			if tc.jwt {
				d.Authorizers = []model.Authorizer{{AuthorizerID: "auth001", Name: "benchJwt", AuthorizerType: "JWT",
					IdentitySource:   []string{"$request.header.Authorization"},
					JWTConfiguration: &model.JWTConfiguration{Issuer: is.URL(), Audience: []string{"bench"}}}}
				for i := range d.Routes {
					d.Routes[i].AuthorizationType = "JWT"
					d.Routes[i].AuthorizerID = "auth001"
				}
			}
			s, _, err := compile.Compile(&compile.Input{
				Region: "us-east-1", AccountID: "000000000000",
				APIs: []compile.API{{Definition: d, Default: true, Stages: []compile.Stage{{Stage: st}}}},
			}, compile.Deps{Transport: h1client.New(), AccessLogs: sinks,
				Authorizers: &authz.Deps{KeySets: jwt.NewCache(jwt.CacheOptions{Client: srv.Client()})}})
			if err != nil {
				b.Fatal(err)
			}
			// Compiling opens nothing: open the access log as an installer does.
			compile.Resources(s.APIs["bench00001"], func(l snapshot.AccessLogger) {
				if err := l.(*accesslog.Logger).Open(); err != nil {
					b.Fatal(err)
				}
			})
			h := dataplane.New(s, dataplane.Options{Logger: discardLogger()})
			noop := noopInvoker()
			h.Snapshot().APIs["bench00001"].DefaultStage.Routes[0].Integration.Invoker = noop
			req := httptest.NewRequest("GET", "/svc0/items/42", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Origin", "http://localhost:8080")
			req.Header.Set("User-Agent", "wrk")
			req.RemoteAddr = "127.0.0.1:43210"
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.status != 200 {
				b.Fatalf("status %d %v", w.status, w.h)
			}
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
				// Let other goroutines (the access log writer) run, as a
				// gateway's request goroutines block on the network
				// between requests.
				runtime.Gosched()
			}
			b.StopTimer()
			sinks.Close()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(sinks.Dropped()), "dropped")
		})
	}
}
