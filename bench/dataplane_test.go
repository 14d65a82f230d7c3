package bench

import (
	"crypto/tls"
	"fmt"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/model"
)

// backend answers a small JSON body, like a typical API.
func backend(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":42,"type":"dog","price":249.99}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// definition builds an API of n routes shaped like real resource routes, all
// proxying to backendURL.
func definition(n int, backendURL string) *model.Definition {
	d := &model.Definition{
		API: model.API{APIID: "bench00001", Name: "bench", ProtocolType: model.ProtocolHTTP},
		Integrations: []model.Integration{{
			IntegrationID: "int0001", IntegrationType: model.IntegrationHTTPProxy,
			IntegrationMethod: "ANY", IntegrationURI: backendURL + "/items/{id}", PayloadFormatVersion: "1.0",
		}},
	}
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	for i := 0; len(d.Routes) < n; i++ {
		for _, k := range []string{
			fmt.Sprintf("%s /svc%d/items/{id}", methods[i%4], i),
			fmt.Sprintf("%s /svc%d/items/{id}/tags/{tag}", methods[i%4], i),
		} {
			if len(d.Routes) < n {
				d.Routes = append(d.Routes, model.Route{RouteKey: k, Target: "integrations/int0001"})
			}
		}
	}
	return d
}

func gateway(b *testing.B, n int, backendURL string) *dataplane.Handler {
	b.Helper()
	return gatewayWith(b, n, backendURL, h1client.New())
}

// stdTransport is net/http's Transport tuned as a proxy's backend client:
// HTTP/1.1 only, no proxy from the environment, no compression, a large
// idle pool.
func stdTransport() *http.Transport {
	return &http.Transport{
		MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second,
		DisableCompression: true, MaxResponseHeaderBytes: 1 << 20,
		WriteBufferSize: 16 << 10, ReadBufferSize: 8 << 10,
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
}

func gatewayWith(b *testing.B, n int, backendURL string, rt http.RoundTripper) *dataplane.Handler {
	b.Helper()
	s, _, err := compile.Compile(&compile.Input{
		Region: "us-east-1", AccountID: "000000000000",
		APIs: []compile.API{{Definition: definition(n, backendURL), Default: true,
			Stages: []compile.Stage{{Stage: model.Stage{StageName: "$default"}}}}},
	}, compile.Deps{Transport: rt})
	if err != nil {
		b.Fatal(err)
	}
	return dataplane.New(s, dataplane.Options{Logger: discardLogger()})
}

// BenchmarkHTTPProxy compares a GET through the gateway (real listeners on
// loopback, an HTTP_PROXY route) with the same GET sent to the backend
// directly. The difference is the gateway's overhead.
func BenchmarkHTTPProxy(b *testing.B) {
	be := backend(b)
	gw := httptest.NewServer(gateway(b, 10, be.URL))
	b.Cleanup(gw.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := func(b *testing.B, url string) {
		b.ReportAllocs()
		cpu0 := cpuNow()
		defer func() { b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N), "cpu-ns/op") }()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, be.URL+"/items/42") })
	b.Run("gateway", func(b *testing.B) { run(b, gw.URL+"/svc0/items/42") })
	std := httptest.NewServer(gatewayWith(b, 10, be.URL, stdTransport()))
	b.Cleanup(std.Close)
	b.Run("gateway-nethttp", func(b *testing.B) { run(b, std.URL+"/svc0/items/42") })
}

// BenchmarkHandlerRoutes measures the data plane handler alone (no network;
// the integration is a no-op) for APIs of 10 to 10,000 routes: the cost must
// not grow with the number of routes.
func BenchmarkHandlerRoutes(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			// The backend URL is never called: the request targets a route
			// whose integration is replaced by a no-op below.
			h := gateway(b, n, "http://127.0.0.1:9")
			noop := noopInvoker()
			s := h.Snapshot()
			for _, r := range s.APIs["bench00001"].DefaultStage.Routes {
				r.Integration.Invoker = noop // the routes share one integration
				break
			}
			last := (n - 1) / 2
			path := fmt.Sprintf("/svc%d/items/42/tags/red", last)
			method := []string{"GET", "POST", "PUT", "DELETE"}[last%4]
			req := httptest.NewRequest(method, path, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
