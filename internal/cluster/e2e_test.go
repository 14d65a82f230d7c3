package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/cli"
	"github.com/apigwdev/apigw/internal/cluster"
	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/config"
)

// node is one gateway of a cluster under test.
type node struct {
	name    string
	dir     string
	prefix  string
	g       *app.Gateway
	client  *apigatewayv2.Client
	data    string
	admin   string
	log     *syncBuffer
	stopped bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startNode starts a gateway in cluster mode on etcdURL/prefix with its
// data in dir.
func startNode(t *testing.T, etcdURL, prefix, name, dir string, redisURL ...string) (*node, error) {
	t.Helper()
	cfg := config.Default()
	over := config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: dir, Etcd: etcdURL, Node: name}
	if len(redisURL) > 0 {
		over.Redis = redisURL[0]
	}
	if err := cfg.Apply(over); err != nil {
		t.Fatal(err)
	}
	cfg.Cluster.Etcd.Prefix = prefix
	cfg.Cluster.Etcd.DialTimeout = 3 * time.Second
	buf := &syncBuffer{}
	g, err := app.New(cfg, app.Options{Stderr: buf, Logger: slog.New(slog.NewTextHandler(buf, nil)), ShutdownTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	if err := g.Start(); err != nil {
		g.Close()
		return nil, err
	}
	n := &node{name: name, dir: dir, prefix: prefix, g: g, data: g.DataURL(), admin: g.AdminURL(), log: buf}
	n.client = apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(n.admin),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	t.Cleanup(func() {
		n.stop(t)
		if t.Failed() {
			t.Logf("%s log:\n%s", name, buf.String())
		}
	})
	return n, nil
}

func (n *node) stop(t *testing.T) {
	if n.stopped {
		return
	}
	n.stopped = true
	start := time.Now()
	defer func() { t.Logf("%s stopped in %v", n.name, time.Since(start)) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.g.Shutdown(ctx); err != nil {
		t.Errorf("%s shutdown: %v", n.name, err)
	}
}

// startCluster starts three nodes on one etcd (and one Redis, if given).
func startCluster(t *testing.T, etcdURL string, redisURL ...string) []*node {
	t.Helper()
	prefix := clustertest.Prefix()
	var nodes []*node
	for i := range 3 {
		n, err := startNode(t, etcdURL, prefix, fmt.Sprintf("gw-%d", i+1), filepath.Join(t.TempDir(), "data"), redisURL...)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// get fetches path from a node's data plane.
func (n *node) get(path string) (int, string) {
	resp, err := http.Get(n.data + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls every node until path answers want (status and body
// prefix), and returns how long the slowest took.
func waitFor(t *testing.T, nodes []*node, path string, status int, body string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var slowest time.Duration
	for _, n := range nodes {
		for {
			code, got := n.get(path)
			if code == status && strings.HasPrefix(got, body) {
				break
			}
			if time.Since(start) > within {
				t.Fatalf("%s: GET %s = %d %q after %v; want %d %q", n.name, path, code, got, within, status, body)
			}
			time.Sleep(2 * time.Millisecond)
		}
		slowest = max(slowest, time.Since(start))
	}
	return slowest
}

func backend(t *testing.T, tag string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", tag, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// createAPI creates an HTTP API with GET /pets to uri and an autoDeploy
// $default stage through n.
func createAPI(t *testing.T, n *node, uri string) (apiID, integrationID string) {
	t.Helper()
	ctx := context.Background()
	api, err := n.client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := n.client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String(uri), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	return *api.ApiId, *in.IntegrationId
}

// TestClusterPropagation checks that creates, updates and deletes made
// through any node are served by every node within a second, and what
// /_cluster reports.
func TestClusterPropagation(t *testing.T) {
	nodes := startCluster(t, clustertest.Etcd(t), clustertest.Redis(t))
	one, two := backend(t, "one"), backend(t, "two")
	apiID, intID := createAPI(t, nodes[0], one.URL+"/b")
	path := "/_aws/execute-api/" + apiID + "/pets"
	d := waitFor(t, nodes, path, 200, "one /b", time.Second)
	t.Logf("create through gw-1 served by all nodes after %v", d)

	if _, err := nodes[1].client.UpdateIntegration(context.Background(), &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &intID, IntegrationUri: aws.String(two.URL + "/b")}); err != nil {
		t.Fatal(err)
	}
	d = waitFor(t, nodes, path, 200, "two /b", time.Second)
	t.Logf("update through gw-2 served by all nodes after %v", d)

	// /_cluster lists the three members at the same revision.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := clusterStatus(t, nodes[2])
		revs := map[uint64]bool{}
		for _, m := range st.Members {
			revs[m.Revision] = true
		}
		if len(st.Members) == 3 && len(revs) == 1 && st.Revision == st.LatestRevision && st.Source == cluster.SourceEtcd && st.Node == "gw-3" &&
			st.Redis == (cluster.RedisStatus{Configured: true, Reachable: true}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/_cluster = %+v; want 3 members at the latest revision", st)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The local OIDC issuer's keys are the cluster's: every node serves the
	// same key set, so a token minted through one verifies on all.
	var jwks []string
	for _, n := range nodes {
		resp, err := http.Get(n.admin + "/_issuer/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"kid"`) {
			t.Fatalf("%s: jwks %d %s", n.name, resp.StatusCode, b)
		}
		jwks = append(jwks, string(b))
	}
	if jwks[0] != jwks[1] || jwks[0] != jwks[2] {
		t.Errorf("nodes serve different issuer keys:\n%s", strings.Join(jwks, "\n"))
	}

	// apigw cluster status prints the same as a table.
	var out, errOut strings.Builder
	if code := cli.Main([]string{"cluster", "status", "--admin", nodes[0].admin}, &out, &errOut); code != 0 {
		t.Fatalf("apigw cluster status: %d %s", code, errOut.String())
	}
	for _, want := range []string{"node      gw-1", "from etcd", "redis     reachable", "gw-2", "gw-3", nodes[1].data} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("apigw cluster status lacks %q:\n%s", want, out.String())
		}
	}

	if _, err := nodes[2].client.DeleteApi(context.Background(), &apigatewayv2.DeleteApiInput{ApiId: &apiID}); err != nil {
		t.Fatal(err)
	}
	d = waitFor(t, nodes, path, 404, "", time.Second)
	t.Logf("delete through gw-3 served by all nodes after %v", d)
}

func clusterStatus(t *testing.T, n *node) cluster.Status {
	t.Helper()
	resp, err := http.Get(n.admin + "/_cluster")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st cluster.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// load sends GET path to every node from clients goroutines until stop,
// counting answers other than 200. Each client sends at most one request a
// millisecond: unpaced, a quiet machine exceeds the account's default
// throttling limit (10,000 requests a second), and the 429s AWS would answer
// then are not failures of what these tests check.
func load(nodes []*node, path string, clients int, stop <-chan struct{}) (total, failed *atomic.Int64, wait func(), firstErr *atomic.Value) {
	total, failed, firstErr = new(atomic.Int64), new(atomic.Int64), new(atomic.Value)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := nodes[c%len(nodes)]
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body := n.get(path)
				total.Add(1)
				if code != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %s", n.name, code, body))
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	return total, failed, wg.Wait, firstErr
}

// TestClusterRedeploysUnderLoad redeploys through alternating nodes while
// clients load all three: no request fails.
func TestClusterRedeploysUnderLoad(t *testing.T) {
	nodes := startCluster(t, clustertest.Etcd(t))
	one, two := backend(t, "one"), backend(t, "two")
	apiID, intID := createAPI(t, nodes[0], one.URL+"/b")
	path := "/_aws/execute-api/" + apiID + "/pets"
	waitFor(t, nodes, path, 200, "one /b", time.Second)
	stop := make(chan struct{})
	total, failed, wait, firstErr := load(nodes, path, 6, stop)
	const redeploys = 40
	for i := range redeploys {
		uri := one.URL + "/b"
		if i%2 == 0 {
			uri = two.URL + "/b"
		}
		if _, err := nodes[i%3].client.UpdateIntegration(context.Background(), &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &intID, IntegrationUri: &uri}); err != nil {
			close(stop)
			wait()
			t.Fatalf("redeploy %d through %s: %v", i, nodes[i%3].name, err)
		}
	}
	close(stop)
	wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed during %d redeploys; first: %v", failed.Load(), total.Load(), redeploys, firstErr.Load())
	}
	t.Logf("%d requests on 3 nodes, %d failed, during %d redeploys through alternating nodes", total.Load(), failed.Load(), redeploys)
}

// TestClusterEtcdDown stops etcd under load: the data plane keeps
// answering, writes answer 503 ServiceUnavailableException, a node
// restarted meanwhile serves its local copy, and all converge once etcd is
// back.
func TestClusterEtcdDown(t *testing.T) {
	srv := clustertest.StartEtcd(t)
	nodes := startCluster(t, srv.URL)
	one := backend(t, "one")
	apiID, _ := createAPI(t, nodes[0], one.URL+"/b")
	path := "/_aws/execute-api/" + apiID + "/pets"
	waitFor(t, nodes, path, 200, "one /b", time.Second)
	// Let every node write its local copy of the last revision.
	waitCopies(t, nodes)

	stop := make(chan struct{})
	total, failed, wait, firstErr := load(nodes[:2], path, 4, stop)
	srv.Stop()
	time.Sleep(300 * time.Millisecond)

	_, err := nodes[1].client.CreateApi(context.Background(), &apigatewayv2.CreateApiInput{Name: aws.String("x"), ProtocolType: "HTTP"})
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 503 || !strings.Contains(err.Error(), "ServiceUnavailableException") {
		t.Errorf("CreateApi with etcd down: %v; want 503 ServiceUnavailableException", err)
	}

	t0 := time.Now()
	// gw-3 restarts while etcd is down: it serves its local copy.
	nodes[2].stop(t)
	t.Logf("gw-3 stopped in %v", time.Since(t0))
	restarted, err := startNode(t, srv.URL, prefixOf(t, nodes[0]), "gw-3", nodes[2].dir)
	if err != nil {
		t.Fatalf("restarting gw-3 with etcd down: %v", err)
	}
	if code, body := restarted.get(path); code != 200 || body != "one /b" {
		t.Errorf("restarted gw-3 with etcd down: GET = %d %q; want 200 from its local copy", code, body)
	}
	if st := clusterStatus(t, restarted); st.Source != cluster.SourceLocalCopy {
		t.Errorf("restarted gw-3 source = %q; want local-copy", st.Source)
	}
	if !strings.Contains(restarted.log.String(), "serving the local copy") {
		t.Errorf("restarted gw-3 did not log that it serves its local copy")
	}
	if resp, err := http.Get(restarted.admin + "/_health"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/_health of the restarted node: %v", err)
	} else {
		resp.Body.Close()
	}

	time.Sleep(500 * time.Millisecond)
	close(stop)
	wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d data plane requests failed with etcd down; first: %v", failed.Load(), total.Load(), firstErr.Load())
	}

	t.Logf("restart checks done at %v", time.Since(t0))
	srv.Start()
	t.Logf("etcd restarted at %v", time.Since(t0))
	// A write through gw-1 once etcd is back reaches every node, the
	// restarted one included.
	two := backend(t, "two")
	var api2 string
	deadline := time.Now().Add(15 * time.Second)
	for {
		id, err := createAPIErr(nodes[0], two.URL+"/c")
		if err == nil {
			api2 = id
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes after etcd came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("write through gw-1 answered at %v", time.Since(t0))
	waitFor(t, []*node{nodes[0], nodes[1], restarted}, "/_aws/execute-api/"+api2+"/pets", 200, "two /c", 10*time.Second)
	t.Logf("served everywhere at %v", time.Since(t0))
	if st := clusterStatus(t, restarted); st.Source != cluster.SourceEtcd {
		t.Errorf("restarted gw-3 source after etcd came back = %q; want etcd", st.Source)
	}
}

func createAPIErr(n *node, uri string) (string, error) {
	ctx := context.Background()
	api, err := n.client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"})
	if err != nil {
		return "", err
	}
	in, err := n.client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String(uri), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		return "", err
	}
	if _, err := n.client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId)}); err != nil {
		return "", err
	}
	if _, err := n.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		return "", err
	}
	return *api.ApiId, nil
}

// waitCopies waits until every node serves etcd's latest revision (its
// local copy is written right after).
func waitCopies(t *testing.T, nodes []*node) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, n := range nodes {
		for {
			st := clusterStatus(t, n)
			if st.Revision == st.LatestRevision {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s serves revision %d of %d", n.name, st.Revision, st.LatestRevision)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond)
}

func prefixOf(t *testing.T, n *node) string {
	t.Helper()
	return n.prefix
}

// TestClusterUnreachableEtcdAtStart checks the message of a node that
// cannot reach etcd and has no local copy.
func TestClusterUnreachableEtcdAtStart(t *testing.T) {
	t.Parallel()
	_, err := startNode(t, "http://127.0.0.1:1", clustertest.Prefix(), "gw-x", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "etcd at http://127.0.0.1:1 is unreachable") || !strings.Contains(err.Error(), "no local copy") {
		t.Fatalf("error %v; want one naming the address and saying there is no local copy", err)
	}
}

// TestClusterPropagationLatency measures how long a change made through
// one node takes to be served by the two others, over 30 changes.
func TestClusterPropagationLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	nodes := startCluster(t, clustertest.Etcd(t))
	one := backend(t, "v")
	apiID, intID := createAPI(t, nodes[0], one.URL+"/0")
	path := "/_aws/execute-api/" + apiID + "/pets"
	waitFor(t, nodes, path, 200, "v /0", time.Second)
	var ds []time.Duration
	for i := 1; i <= 30; i++ {
		uri := fmt.Sprintf("%s/%d", one.URL, i)
		w := nodes[i%3]
		if _, err := w.client.UpdateIntegration(context.Background(), &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &intID, IntegrationUri: &uri}); err != nil {
			t.Fatal(err)
		}
		others := []*node{nodes[(i+1)%3], nodes[(i+2)%3]}
		ds = append(ds, waitFor(t, others, path, 200, fmt.Sprintf("v /%d", i), time.Second))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	t.Logf("propagation after the write was acknowledged, 30 changes: p50 %v, max %v", ds[len(ds)/2], ds[len(ds)-1])
}
