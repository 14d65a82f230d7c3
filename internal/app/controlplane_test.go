package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// cpGateway is a gateway started from a directory, so that a test can stop
// it and start another on the same data dir.
type cpGateway struct {
	g      *app.Gateway
	client *apigatewayv2.Client
	data   string
	log    *bytes.Buffer
	mu     *sync.Mutex
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// startIn starts a gateway on the config file apigw.yaml of dir (written as
// "{}" when missing), with its data dir dir/.apigw and both listeners on
// 127.0.0.1:0.
func startIn(t *testing.T, dir string) *cpGateway {
	t.Helper()
	cfgPath := filepath.Join(dir, "apigw.yaml")
	if _, err := os.Stat(cfgPath); err != nil {
		if err := os.WriteFile(cfgPath, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	mu, buf := &sync.Mutex{}, &bytes.Buffer{}
	w := lockedWriter{mu: mu, buf: buf}
	g, err := app.New(cfg, app.Options{Stderr: w, Logger: slog.New(slog.NewTextHandler(w, nil)), ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		t.Fatal(err)
	}
	gw := &cpGateway{g: g, data: g.DataURL(), log: buf, mu: mu}
	gw.client = apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(g.AdminURL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			gw.stop(t)
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("gateway log:\n%s", buf.String())
			mu.Unlock()
		}
	})
	return gw
}

func (gw *cpGateway) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.g.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// get sends GET path to the data plane (host, if set, as the Host header).
func (gw *cpGateway) get(t *testing.T, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, gw.data+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// tagBackend answers every request with "name path".
func tagBackend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func cpCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// servedAPI creates, through the SDK, an API with an HTTP_PROXY
// integration to backend, the route GET /pets and an auto-deployed
// $default stage.
func servedAPI(t *testing.T, gw *cpGateway, backend string) (apiID, integrationID, routeID string) {
	t.Helper()
	ctx := cpCtx(t)
	api, err := gw.client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatalf("CreateApi: %v", err)
	}
	in, err := gw.client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{
		ApiId: api.ApiId, IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String(backend + "/backend"), PayloadFormatVersion: aws.String("1.0"),
	})
	if err != nil {
		t.Fatalf("CreateIntegration: %v", err)
	}
	rt, err := gw.client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{
		ApiId: api.ApiId, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId),
	})
	if err != nil {
		t.Fatalf("CreateRoute: %v", err)
	}
	if _, err := gw.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateStage: %v", err)
	}
	return *api.ApiId, *in.IntegrationId, *rt.RouteId
}

func TestControlPlaneServesWhatTheSDKCreates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gw := startIn(t, dir)
	backend := tagBackend(t, "one")
	apiID, integrationID, routeID := servedAPI(t, gw, backend.URL)
	ctx := cpCtx(t)
	prefix := "/_aws/execute-api/" + apiID

	if code, body := gw.get(t, "", prefix+"/pets"); code != 200 || body != "one /backend" {
		t.Fatalf("GET /pets = %d %q; want 200 from the backend", code, body)
	}
	// apiEndpoint is usable as is.
	api, err := gw.client.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	if want := gw.data + prefix; *api.ApiEndpoint != want {
		t.Errorf("apiEndpoint = %s; want %s", *api.ApiEndpoint, want)
	}
	// Host style reaches the same API.
	if code, _ := gw.get(t, apiID+".execute-api.localhost", "/pets"); code != 200 {
		t.Errorf("host style: %d", code)
	}

	// An update is served as soon as UpdateRoute answers.
	if _, err := gw.client.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: &apiID, RouteId: &routeID, RouteKey: aws.String("GET /cats")}); err != nil {
		t.Fatalf("UpdateRoute: %v", err)
	}
	if code, _ := gw.get(t, "", prefix+"/pets"); code != 404 {
		t.Errorf("old route after update: %d; want 404", code)
	}
	if code, body := gw.get(t, "", prefix+"/cats"); code != 200 || body != "one /backend" {
		t.Errorf("GET /cats = %d %q", code, body)
	}
	deps, err := gw.client.GetDeployments(ctx, &apigatewayv2.GetDeploymentsInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 2 {
		t.Errorf("deployments = %d; want 2 (stage creation, route update)", len(deps.Items))
	}
	for _, d := range deps.Items {
		if !aws.ToBool(d.AutoDeployed) || d.DeploymentStatus != types.DeploymentStatusDeployed || aws.ToString(d.Description) != "Automatic deployment triggered by changes to the Api configuration" {
			t.Errorf("deployment %+v", d)
		}
	}

	// A manual stage serves changes only after CreateDeployment.
	if _, err := gw.client.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: &apiID, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if code, body := gw.get(t, "", prefix+"/prod/cats"); code == 200 {
		t.Errorf("undeployed stage served: %d %q", code, body)
	}
	d, err := gw.client.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: &apiID, StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if d.DeploymentStatus != types.DeploymentStatusDeployed || aws.ToBool(d.AutoDeployed) {
		t.Errorf("manual deployment: %+v", d)
	}
	if code, body := gw.get(t, "", prefix+"/prod/cats"); code != 200 || body != "one /backend" {
		t.Errorf("GET /prod/cats after CreateDeployment = %d %q", code, body)
	}
	other := tagBackend(t, "two")
	if _, err := gw.client.UpdateIntegration(ctx, &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &integrationID, IntegrationUri: aws.String(other.URL + "/b2")}); err != nil {
		t.Fatal(err)
	}
	if _, body := gw.get(t, "", prefix+"/cats"); body != "two /b2" {
		t.Errorf("auto-deployed stage after UpdateIntegration: %q", body)
	}
	if _, body := gw.get(t, "", prefix+"/prod/cats"); body != "one /backend" {
		t.Errorf("manual stage changed without a deployment: %q", body)
	}

	// Custom domain names reach their mappings.
	if _, err := gw.client.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("api.example.test")}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.client.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{
		DomainName: aws.String("api.example.test"), ApiId: &apiID, Stage: aws.String("prod"), ApiMappingKey: aws.String("v1"),
	}); err != nil {
		t.Fatal(err)
	}
	if code, body := gw.get(t, "api.example.test", "/v1/cats"); code != 200 || body != "one /backend" {
		t.Errorf("custom domain: %d %q", code, body)
	}

	// After a restart on the same data dir, everything is still there and
	// served.
	gw.stop(t)
	gw2 := startIn(t, dir)
	if _, err := gw2.client.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: &apiID}); err != nil {
		t.Fatalf("GetApi after restart: %v", err)
	}
	prefix2 := "/_aws/execute-api/" + apiID
	if code, body := gw2.get(t, "", prefix2+"/cats"); code != 200 || body != "two /b2" {
		t.Errorf("after restart, $default: %d %q", code, body)
	}
	if code, body := gw2.get(t, "", prefix2+"/prod/cats"); code != 200 || body != "one /backend" {
		t.Errorf("after restart, prod: %d %q", code, body)
	}
	if code, body := gw2.get(t, "api.example.test", "/v1/cats"); code != 200 || body != "one /backend" {
		t.Errorf("after restart, custom domain: %d %q", code, body)
	}
}

func TestControlPlaneFailedDeploymentKeepsServing(t *testing.T) {
	t.Parallel()
	gw := startIn(t, t.TempDir())
	backend := tagBackend(t, "one")
	apiID, _, _ := servedAPI(t, gw, backend.URL)
	ctx := cpCtx(t)
	prefix := "/_aws/execute-api/" + apiID

	// A private integration to a target this network does not define
	// passes validation but does not compile.
	link, err := gw.client.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := gw.client.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{
		ApiId: &apiID, IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, PayloadFormatVersion: aws.String("1.0"),
		IntegrationUri: aws.String("arn:aws:servicediscovery:us-east-1:000000000000:service/srv-nowhere"),
	})
	if err != nil {
		t.Fatalf("CreateIntegration: %v", err)
	}
	if _, err := gw.client.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: &apiID, RouteKey: aws.String("GET /broken"), Target: aws.String("integrations/" + *in.IntegrationId)}); err != nil {
		t.Fatalf("CreateRoute: %v", err)
	}
	if code, body := gw.get(t, "", prefix+"/pets"); code != 200 || body != "one /backend" {
		t.Errorf("old route after a failed deployment: %d %q", code, body)
	}
	if code, _ := gw.get(t, "", prefix+"/broken"); code != 404 {
		t.Errorf("route of the failed deployment served: %d", code)
	}
	st, err := gw.client.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := gw.client.GetDeployment(ctx, &apigatewayv2.GetDeploymentInput{ApiId: &apiID, DeploymentId: st.DeploymentId})
	if err != nil {
		t.Fatal(err)
	}
	if dep.DeploymentStatus != types.DeploymentStatusDeployed {
		t.Errorf("the stage points at deployment %s in status %s", *st.DeploymentId, dep.DeploymentStatus)
	}
	if !strings.Contains(aws.ToString(st.LastDeploymentStatusMessage), "failed") {
		t.Errorf("lastDeploymentStatusMessage = %q; want the failure", aws.ToString(st.LastDeploymentStatusMessage))
	}
	deps, err := gw.client.GetDeployments(ctx, &apigatewayv2.GetDeploymentsInput{ApiId: &apiID})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, d := range deps.Items {
		if d.DeploymentStatus == types.DeploymentStatusFailed {
			failed++
			if !strings.Contains(aws.ToString(d.DeploymentStatusMessage), *in.IntegrationId) {
				t.Errorf("failure message does not name the integration: %q", aws.ToString(d.DeploymentStatusMessage))
			}
		}
	}
	// An integration no route targets is not compiled: only the route's
	// deployment fails.
	if failed != 1 {
		t.Errorf("FAILED deployments = %d; want 1", failed)
	}
}

// TestControlPlaneRedeploysUnderLoad checks that 100 redeploys in a row,
// under a steady load, produce no failed or malformed response.
func TestControlPlaneRedeploysUnderLoad(t *testing.T) {
	t.Parallel()
	gw := startIn(t, t.TempDir())
	a, b := tagBackend(t, "a"), tagBackend(t, "b")
	apiID, integrationID, _ := servedAPI(t, gw, a.URL)
	ctx := cpCtx(t)
	url := gw.data + "/_aws/execute-api/" + apiID + "/pets"

	var stop atomic.Bool
	var total, bad atomic.Int64
	var firstBad atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := client.Get(url)
				if err != nil {
					bad.Add(1)
					firstBad.CompareAndSwap(nil, err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				total.Add(1)
				if err != nil || resp.StatusCode != 200 || (string(body) != "a /backend" && string(body) != "b /backend") {
					bad.Add(1)
					firstBad.CompareAndSwap(nil, fmt.Sprintf("%d %q %v", resp.StatusCode, body, err))
				}
			}
		}()
	}
	began := time.Now()
	for i := range 100 {
		uri := a.URL + "/backend"
		if i%2 == 0 {
			uri = b.URL + "/backend"
		}
		if _, err := gw.client.UpdateIntegration(ctx, &apigatewayv2.UpdateIntegrationInput{ApiId: &apiID, IntegrationId: &integrationID, IntegrationUri: &uri}); err != nil {
			t.Fatalf("redeploy %d: %v", i, err)
		}
	}
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d responses failed during 100 redeploys; first: %v", bad.Load(), total.Load(), firstBad.Load())
	}
	if total.Load() < 100 {
		t.Errorf("only %d requests ran during the redeploys", total.Load())
	}
	t.Logf("%d requests by 8 clients, 0 failed, during 100 redeploys in %v (%v per UpdateIntegration, commit and swap included)", total.Load(), elapsed.Round(time.Millisecond), (elapsed / 100).Round(time.Microsecond))
}

func TestControlPlaneListsConfigFileAPIs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	backend := tagBackend(t, "cfg")
	doc := `openapi: "3.0.1"
info: {title: from-config, version: "1"}
paths:
  /hello:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "` + backend.URL + `/h", payloadFormatVersion: "1.0"}
`
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apigw.yaml"), []byte("apis:\n  - id: cfgapi0001\n    openapi: api.yaml\n    default: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gw := startIn(t, dir)
	ctx := cpCtx(t)
	if code, body := gw.get(t, "", "/hello"); code != 200 || body != "cfg /h" {
		t.Fatalf("config API as the default API: %d %q", code, body)
	}
	apis, err := gw.client.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apis.Items) != 1 || *apis.Items[0].ApiId != "cfgapi0001" || *apis.Items[0].Name != "from-config" {
		t.Fatalf("GetApis = %+v", apis.Items)
	}
	// Its routes are managed like any other: the stage auto-deploys.
	routes, err := gw.client.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: aws.String("cfgapi0001")})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("GetRoutes = %+v, %v", routes, err)
	}
	if _, err := gw.client.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: aws.String("cfgapi0001"), RouteId: routes.Items[0].RouteId, RouteKey: aws.String("GET /bye")}); err != nil {
		t.Fatal(err)
	}
	if code, body := gw.get(t, "", "/bye"); code != 200 || body != "cfg /h" {
		t.Errorf("after UpdateRoute: %d %q", code, body)
	}
	// A restart re-imports it from the file.
	gw.stop(t)
	gw2 := startIn(t, dir)
	if code, _ := gw2.get(t, "", "/hello"); code != 200 {
		t.Errorf("after restart, the file's route: %d", code)
	}
	var nf *types.NotFoundException
	if _, err := gw2.client.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("GetApi(nope) = %v; want NotFoundException", err)
	}
}

// TestControlPlaneStartsWithABrokenStoredAPI seeds the store with an API
// that no longer compiles (as after a config change removed what it
// needs): the gateway starts, serves the other APIs, accepts changes, and
// serves the broken API again once it is fixed.
func TestControlPlaneStartsWithABrokenStoredAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	backend := tagBackend(t, "ok")
	st, err := store.Open(filepath.Join(dir, ".apigw"))
	if err != nil {
		t.Fatal(err)
	}
	seed := func(id string, broken bool) {
		in := model.Integration{IntegrationID: "int0001", IntegrationType: model.IntegrationHTTPProxy, IntegrationMethod: "ANY",
			IntegrationURI: backend.URL + "/" + id, PayloadFormatVersion: "1.0", ConnectionType: model.ConnectionInternet}
		if broken {
			in.ConnectionType, in.ConnectionID = model.ConnectionVPCLink, "vl00001"
			in.IntegrationURI = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-gone"
		}
		def := model.Definition{
			API:          model.API{APIID: id, Name: id, ProtocolType: model.ProtocolHTTP},
			Routes:       []model.Route{{RouteID: "rte0001", RouteKey: "GET /x", Target: "integrations/int0001", AuthorizationType: model.AuthNone}},
			Integrations: []model.Integration{in},
		}
		err := st.Update(func(tx store.Tx) error {
			if err := store.ReplaceDefinition(tx, &def); err != nil {
				return err
			}
			d := store.Deployment{Deployment: model.Deployment{DeploymentID: "dep001", DeploymentStatus: model.DeploymentDeployed}, Definition: &def}
			if err := store.Deployments(tx, id).Put("dep001", &d); err != nil {
				return err
			}
			return store.Stages(tx, id).Put("$default", &model.Stage{StageName: "$default", AutoDeploy: true, DeploymentID: "dep001"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seed("goodapi001", false)
	seed("badapi0001", true)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	gw := startIn(t, dir)
	ctx := cpCtx(t)
	if code, body := gw.get(t, "", "/_aws/execute-api/goodapi001/x"); code != 200 || body != "ok /goodapi001" {
		t.Fatalf("good API next to a broken one: %d %q", code, body)
	}
	if code, _ := gw.get(t, "", "/_aws/execute-api/badapi0001/x"); code != 404 {
		t.Errorf("broken API served: %d", code)
	}
	gw.mu.Lock()
	logged := strings.Contains(gw.log.String(), "api badapi0001 from the store cannot be served")
	gw.mu.Unlock()
	if !logged {
		t.Error("the broken API was not logged")
	}
	// Changes to the good API deploy.
	if _, err := gw.client.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: aws.String("goodapi001"), RouteId: aws.String("rte0001"), RouteKey: aws.String("GET /y")}); err != nil {
		t.Fatalf("UpdateRoute of the good API: %v", err)
	}
	if code, _ := gw.get(t, "", "/_aws/execute-api/goodapi001/y"); code != 200 {
		t.Errorf("good API after UpdateRoute: %d", code)
	}
	// Fixing the broken API serves it again.
	uri := backend.URL + "/fixed"
	if _, err := gw.client.UpdateIntegration(ctx, &apigatewayv2.UpdateIntegrationInput{
		ApiId: aws.String("badapi0001"), IntegrationId: aws.String("int0001"),
		ConnectionType: types.ConnectionTypeInternet, ConnectionId: aws.String(""), IntegrationUri: &uri,
	}); err != nil {
		t.Fatalf("fixing the broken API: %v", err)
	}
	if code, body := gw.get(t, "", "/_aws/execute-api/badapi0001/x"); code != 200 || body != "ok /fixed" {
		t.Errorf("fixed API: %d %q", code, body)
	}
}
