package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/dataplane/throttle/redisquota"

	"github.com/redis/go-redis/v9"
)

// clusterNode is a gateway under benchmark, single or in cluster mode.
type clusterNode struct {
	g      *app.Gateway
	client *apigatewayv2.Client
	data   string
}

// startGateway starts a gateway; with etcdURL set, in cluster mode.
func startGateway(b *testing.B, etcdURL, redisURL, prefix, name string) *clusterNode {
	b.Helper()
	cfg := config.Default()
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(b.TempDir(), "data"),
		Etcd: etcdURL, Redis: redisURL, Node: name, LogLevel: "error"}); err != nil {
		b.Fatal(err)
	}
	cfg.Cluster.Etcd.Prefix = prefix
	g, err := app.New(cfg, app.Options{Stderr: io.Discard, Logger: discardLogger(), RequestLogger: discardLogger(), ShutdownTimeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
	})
	return &clusterNode{g: g, data: g.DataURL(), client: apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(g.AdminURL()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""),
	})}
}

// createHTTPAPI creates GET /pets to uri on an autoDeploy $default stage.
func createHTTPAPI(b *testing.B, n *clusterNode, uri string) (apiID, integrationID string) {
	b.Helper()
	ctx := context.Background()
	api, err := n.client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"})
	if err != nil {
		b.Fatal(err)
	}
	in, err := n.client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String(uri), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId)}); err != nil {
		b.Fatal(err)
	}
	if _, err := n.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		b.Fatal(err)
	}
	return *api.ApiId, *in.IntegrationId
}

func getBody(c *http.Client, url string) (int, string) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkClusterPropagation makes 100 changes through alternating nodes
// of three and measures, for each, the time from the write's answer until
// both other nodes serve it.
func BenchmarkClusterPropagation(b *testing.B) {
	etcdURL := clustertest.Etcd(b)
	prefix := clustertest.Prefix()
	var nodes []*clusterNode
	for i := range 3 {
		nodes = append(nodes, startGateway(b, etcdURL, "", prefix, fmt.Sprintf("gw-%d", i+1)))
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) }))
	b.Cleanup(backend.Close)
	apiID, intID := createHTTPAPI(b, nodes[0], backend.URL+"/0")
	path := "/_aws/execute-api/" + apiID + "/pets"
	c := &http.Client{}
	var ds []time.Duration
	b.ResetTimer()
	for i := 1; i <= 100*b.N; i++ {
		uri := fmt.Sprintf("%s/%d", backend.URL, i)
		if _, err := nodes[i%3].client.UpdateIntegration(context.Background(), &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &intID, IntegrationUri: &uri}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		want := fmt.Sprintf("/%d", i)
		for _, n := range []*clusterNode{nodes[(i+1)%3], nodes[(i+2)%3]} {
			for {
				if code, body := getBody(c, n.data+path); code == 200 && body == want {
					break
				}
				if time.Since(start) > 5*time.Second {
					b.Fatalf("change %d not served after 5 s", i)
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(ds, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(ds, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkClusterRequestLatency compares the p50 latency of one request
// (HTTP proxy to a local backend, sequential, over loopback) served by a
// single node and by a node of a cluster with Redis: what cluster mode
// adds to the request path (a cluster-wide throttle in place of the local
// one).
func BenchmarkClusterRequestLatency(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	b.Cleanup(backend.Close)
	etcdURL, redisURL := clustertest.Etcd(b), clustertest.Redis(b)
	for _, mode := range []string{"single", "cluster"} {
		b.Run(mode, func(b *testing.B) {
			var n *clusterNode
			if mode == "single" {
				n = startGateway(b, "", "", "", "")
			} else {
				n = startGateway(b, etcdURL, redisURL, clustertest.Prefix(), "gw-1")
			}
			apiID, _ := createHTTPAPI(b, n, backend.URL+"/x")
			url := n.data + "/_aws/execute-api/" + apiID + "/pets"
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for range 200 {
				getBody(c, url)
			}
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if code, _ := getBody(c, url); code != 200 {
					b.Fatalf("status %d", code)
				}
				ds = append(ds, time.Since(start))
			}
			b.StopTimer()
			b.ReportMetric(float64(percentile(ds, 0.5).Nanoseconds())/1000, "p50-µs")
		})
	}
}

// BenchmarkClusterThrottleAccuracy offers twice a limit of R requests/s
// (burst B) for 10 s to the buckets of three nodes sharing one Redis, and
// reports the rate admitted against R·t+B.
func BenchmarkClusterThrottleAccuracy(b *testing.B) {
	url := clustertest.Redis(b)
	prefix := clustertest.Prefix()
	const rate, burst = 1000.0, 100
	const d = 10 * time.Second
	var allows []func() bool
	var quotas []*redisquota.Quota
	for range 3 {
		opts, err := redis.ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		q := redisquota.New(redisquota.Options{Client: redis.NewClient(opts), Prefix: prefix, Nodes: func() int { return 3 }, Logger: discardLogger()})
		b.Cleanup(q.Close)
		quotas = append(quotas, q)
		allows = append(allows, q.Limiter("api/$default/GET /x", &throttle.Limits{Rate: rate, Burst: burst}).Allow)
	}
	b.ResetTimer()
	var admitted atomic.Int64
	for range b.N {
		var wg sync.WaitGroup
		for _, allow := range allows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				sent := 0
				per := 2 * rate / float64(len(allows))
				for time.Since(start) < d {
					for due := int(time.Since(start).Seconds() * per); sent < due; sent++ {
						if allow() {
							admitted.Add(1)
						}
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	var leases int64
	for _, q := range quotas {
		leases += q.Leases()
	}
	want := float64(b.N) * (rate*d.Seconds() + burst)
	b.ReportMetric(100*float64(admitted.Load())/want, "%-of-R·t+B")
	b.ReportMetric(float64(leases)/(float64(b.N)*d.Seconds())/3, "redis-calls/s/node")
}

// BenchmarkClusterWrite measures one UpdateIntegration (with its automatic
// deployment) through a cluster node against the number of routes of the
// other APIs in etcd.
func BenchmarkClusterWrite(b *testing.B) {
	etcdURL := clustertest.Etcd(b)
	for _, other := range []int{0, 3000, 10000} {
		b.Run(fmt.Sprintf("otherRoutes=%d", other), func(b *testing.B) {
			prefix := clustertest.Prefix()
			n := startGateway(b, etcdURL, "", prefix, "gw-1")
			ctx := context.Background()
			for a := 0; a < other/250; a++ {
				var doc strings.Builder
				doc.WriteString(`{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{`)
				for r := range 250 {
					if r > 0 {
						doc.WriteString(",")
					}
					fmt.Fprintf(&doc, `"/p%d/{id}":{"get":{"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://127.0.0.1:9/x","payloadFormatVersion":"1.0"}}}`, r)
				}
				doc.WriteString("}}")
				api, err := n.client.ImportApi(ctx, &apigatewayv2.ImportApiInput{Body: aws.String(doc.String())})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := n.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
					b.Fatal(err)
				}
			}
			apiID, intID := createHTTPAPI(b, n, "http://127.0.0.1:9/0")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				uri := fmt.Sprintf("http://127.0.0.1:9/%d", i)
				if _, err := n.client.UpdateIntegration(ctx, &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &intID, IntegrationUri: &uri}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
