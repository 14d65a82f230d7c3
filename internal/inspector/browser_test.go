package inspector_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// Secrets the browser test sends; none may reach the page.
const (
	secretBearer = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJicm93c2VyLXRlc3QifQ.c2VjcmV0LXNpZ25hdHVyZQ"
	secretCookie = "browser-session-9a8b7c6d"
	secretToken  = "FwoGZXIvYXdzEBYaDbrowsertoken"
)

// chromium finds Debian's Chromium (scripts/chromium.sh installs it): the
// APIGW_CHROMIUM environment variable, else chromium on PATH. Without one
// the test skips, or fails when APIGW_CI=1.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("APIGW_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium: run scripts/chromium.sh (Debian's chromium) or set APIGW_CHROMIUM"
	if os.Getenv("APIGW_CI") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// do runs steps, failing the test with what on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// rows sets the filter sel to value, as typing does, and counts the rows
// shown.
func rows(t *testing.T, ctx context.Context, sel, value string) int {
	t.Helper()
	v, _ := json.Marshal(value)
	return get(t, ctx, "filtering "+sel, chromedp.Evaluate[int](`(() => { const e = document.querySelector("`+sel+`"); e.value = `+string(v)+
		`; e.dispatchEvent(new Event("input")); return document.querySelectorAll("#rows tr").length; })()`))
}

// TestInspectorPage drives the page in a real browser: a request sent to
// the data plane while the page is open appears without a reload, opens
// into its details, filters work, "copy as curl" builds the command, and no
// secret appears in the page. APIGW_INSPECTOR_SCREENSHOT=file.png saves a
// screenshot of the page with its requests.
func TestInspectorPage(t *testing.T) {
	ctx := browser(t)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "headers": r.Header, "body": string(b)})
	}))
	t.Cleanup(be.Close)
	doc := `
openapi: "3.0.1"
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + be.URL + `/pets/{id}", payloadFormatVersion: "1.0"}
  /orders:
    post:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "` + be.URL + `/orders", payloadFormatVersion: "1.0"}
`
	gw := gatewaytest.Start(t, gatewaytest.Files{"pets.yaml": doc, "apigw.yaml": `
apis:
  - id: pets000001
    openapi: ./pets.yaml
    default: true
    stages:
      - name: $default
        accessLogSettings: {format: '$context.requestId $context.routeKey $context.status $context.integrationLatency', destinationArn: ./access.log}
`})

	do(t, ctx, "opening the page", chromedp.Navigate(gw.AdminURL+"/_inspector"), chromedp.WaitVisible(chromedp.CSS("#empty")))

	secrets := []string{"Authorization: Bearer " + secretBearer, "Cookie: session=" + secretCookie, "X-Amz-Security-Token: " + secretToken}
	sent := time.Now()
	r := gw.Do(t, "GET", "", "/pets/7?color=brown", nil, secrets...)
	if r.Status != 200 || !strings.Contains(r.Body, secretBearer) {
		t.Fatalf("GET /pets/7: %d %s", r.Status, r.Body)
	}
	id := r.Header.Get("Apigw-Requestid")
	row := chromedp.CSS(`tr[data-id="` + id + `"]`)
	do(t, ctx, "waiting for the request's row", chromedp.WaitVisible(row))
	t.Logf("the request appeared in the page %v after it was sent", time.Since(sent).Round(time.Millisecond))

	do(t, ctx, "opening the details", chromedp.Click(row), chromedp.WaitVisible(chromedp.CSS("#detail")))
	get(t, ctx, "waiting for the details", chromedp.Poll[bool](`document.querySelector("#detail-body").textContent.includes("Request sent to the backend")`))
	detail := get(t, ctx, "reading the details", chromedp.Text(chromedp.CSS("#detail")))
	for _, want := range []string{id, "GET /pets/{id}", "pets000001", be.URL + "/pets/7", "X-Amzn-Trace-Id", "Forwarded", "****",
		id + " GET /pets/{id} 200"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the details lack %q:\n%s", want, detail)
		}
	}

	do(t, ctx, "copying as curl", chromedp.Click(chromedp.CSS("#copy-curl")), chromedp.WaitVisible(chromedp.CSS("#curl-text")))
	curl := get(t, ctx, "reading the curl command", chromedp.Text(chromedp.CSS("#curl-text")))
	if want := "curl -i '" + gw.DataURL + "/pets/7?color=brown'"; !strings.HasPrefix(curl, want) || !strings.Contains(curl, "-H 'Authorization: ****'") {
		t.Errorf("curl command %q, want it to start with %q and carry the masked Authorization", curl, want)
	}

	// More requests, for the filters (and the screenshot).
	gw.Do(t, "POST", "", "/orders", strings.NewReader(`{"pet":7,"quantity":1}`), append(secrets, "Content-Type: application/json")...)
	missing := gw.Do(t, "GET", "", "/unknown", nil).Header.Get("Apigw-Requestid")
	gw.Do(t, "GET", "", "/pets/12", nil)
	do(t, ctx, "waiting for the 404", chromedp.WaitVisible(chromedp.CSS(`tr[data-id="`+missing+`"]`)))
	if n := rows(t, ctx, "#status-filter", "4"); n != 1 {
		t.Errorf("4xx filter shows %d rows, want 1", n)
	}
	rows(t, ctx, "#status-filter", "")
	if n := rows(t, ctx, "#route-filter", "/pets/"); n != 2 {
		t.Errorf("route filter /pets/ shows %d rows, want 2", n)
	}
	if n := rows(t, ctx, "#route-filter", ""); n != 4 {
		t.Errorf("without filters %d rows, want 4", n)
	}
	if n := rows(t, ctx, "#text-filter", "orders"); n != 1 {
		t.Errorf("text filter orders shows %d rows, want 1", n)
	}
	rows(t, ctx, "#text-filter", "")

	html := get(t, ctx, "reading the page", chromedp.OuterHTML(chromedp.CSS("html")))
	for _, s := range []string{secretBearer, secretCookie, secretToken} {
		if strings.Contains(html, s) {
			t.Errorf("the page shows the secret %q", s)
		}
	}
	if path := os.Getenv("APIGW_INSPECTOR_SCREENSHOT"); path != "" {
		do(t, ctx, "opening the POST", chromedp.Click(chromedp.CSS(`#rows tr:nth-child(3)`)))
		get(t, ctx, "waiting for its details", chromedp.Poll[bool](`document.querySelector("#detail-body").textContent.includes("quantity")`))
		png := get(t, ctx, "taking the screenshot", chromedp.CaptureScreenshot())
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
