package lambdaproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
)

// inProcessCaller runs a real aws-lambda-go handler in-process: the function
// decodes our event with aws-lambda-go's own types and encodes its response
// with them. A handler error becomes an Unhandled function error with the
// runtime's error document, as the Invoke API reports it.
func inProcessCaller(handler any) lambdacall.Caller {
	return lambdacall.CallerFunc(func(ctx context.Context, _ lambdacall.FunctionRef, payload []byte) (*lambdacall.CallResult, error) {
		// A handler per call: Invoke's result aliases a pooled buffer.
		out, err := lambda.NewHandler(handler).Invoke(ctx, payload)
		if err != nil {
			typ := reflect.TypeOf(err)
			if typ.Kind() == reflect.Pointer {
				typ = typ.Elem()
			}
			doc, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": typ.Name()})
			return &lambdacall.CallResult{Payload: doc, FunctionError: "Unhandled"}, nil
		}
		return &lambdacall.CallResult{Payload: bytes.Clone(out)}, nil
	})
}

// echoV2 answers with what it saw of the event, a cookie and a header.
func echoV2(_ context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := e.Body
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		body = string(b)
	}
	seen, _ := json.Marshal(map[string]any{
		"method": e.RequestContext.HTTP.Method, "rawPath": e.RawPath, "rawQuery": e.RawQueryString,
		"query": e.QueryStringParameters, "cookies": e.Cookies, "body": body, "base64": e.IsBase64Encoded,
		"headers": e.Headers, "requestId": e.RequestContext.RequestID, "sourceIp": e.RequestContext.HTTP.SourceIP,
	})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 201,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Echo": "v2", "Set-Cookie": "header=1"},
		Cookies:    []string{"first=1; Path=/", "second=2"},
		Body:       string(seen),
	}, nil
}

// echoV1 answers with what it saw of the 1.0 event.
func echoV1(_ context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	seen, _ := json.Marshal(map[string]any{
		"path": e.Path, "resource": e.Resource, "query": e.QueryStringParameters, "multiQuery": e.MultiValueQueryStringParameters,
		"cookie": e.Headers["Cookie"], "body": e.Body, "base64": e.IsBase64Encoded, "resourceId": e.RequestContext.ResourceID,
	})
	return events.APIGatewayProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"X-Combined": "single"},
		MultiValueHeaders: map[string][]string{"X-Combined": {"multi1", "multi2"}},
		Body:              string(seen),
	}, nil
}

func binaryV2() (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{
		StatusCode:      200,
		Headers:         map[string]string{"Content-Type": "image/png"},
		Body:            base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0}),
		IsBase64Encoded: true,
	}, nil
}

func helloString() (string, error) { return "Hello, World!", nil }

func helloMap() (map[string]any, error) { return map[string]any{"hello": "world"}, nil }

func failing() (string, error) { return "", errors.New("boom") }

func zeroStatus() (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{Body: "forgot the status"}, nil
}

func sleeper(ctx context.Context) (string, error) {
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(5 * time.Second):
		return "late", nil
	}
}

// gateway is a minimal data plane: the first path segment selects the
// integration, the request is resolved onto the $default stage and route, and
// the result is written back as the data plane would.
func gateway(t *testing.T) *httptest.Server {
	t.Helper()
	mk := func(version string, fn any, timeout time.Duration) *Invoker {
		return newInvoker(t, Config{PayloadFormatVersion: version, Caller: inProcessCaller(fn), Timeout: timeout})
	}
	invokers := map[string]*Invoker{
		"v2":       mk("2.0", echoV2, 0),
		"v1":       mk("1.0", echoV1, 0),
		"binary":   mk("2.0", binaryV2, 0),
		"string":   mk("2.0", helloString, 0),
		"map":      mk("2.0", helloMap, 0),
		"fail":     mk("2.0", failing, 0),
		"zero":     mk("2.0", zeroStatus, 0),
		"sleep":    mk("2.0", sleeper, 100*time.Millisecond),
		"failv1":   mk("1.0", failing, 0),
		"stringv1": mk("1.0", helloString, 0),
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		inv := invokers[first]
		if inv == nil {
			http.NotFound(w, r)
			return
		}
		host, _, _ := net.SplitHostPort(r.Host)
		sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
		req := &invoke.Request{
			HTTP: r, RequestID: "E2Etestrequest=", Time: time.Now(),
			AccountID: "123456789012", Region: "us-east-1", APIID: "e2eapi0001",
			Stage: "$default", RouteKey: "$default", RoutePath: "$default",
			DomainName: host, DomainPrefix: host,
			Path: r.URL.Path, RawPath: r.URL.Path, EscapedPath: r.URL.EscapedPath(),
			SourceIP: sourceIP,
		}
		w.Header().Set("Apigw-Requestid", req.RequestID)
		resp, err := inv.Invoke(r.Context(), req)
		if err != nil {
			// A nil Content-Type stops net/http from sniffing one where AWS
			// sends none (the 503 of a timeout).
			w.Header()["Content-Type"] = nil
			gwerr.Write(w, gwerr.As(err))
			return
		}
		defer resp.Body.Close()
		for _, c := range resp.Cookies {
			w.Header().Add("Set-Cookie", c)
		}
		for k, vv := range resp.Header {
			for _, v := range vv {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
}

func TestEndToEnd(t *testing.T) {
	srv := gateway(t)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	do := func(t *testing.T, method, path, contentType, body string, cookies ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for _, c := range cookies {
			req.Header.Add("Cookie", c)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}

	t.Run("payload 2.0 event and structured response", func(t *testing.T) {
		resp, b := do(t, "POST", "/v2/pets?tag=a&tag=b%20c&q=x+y", "application/json", `{"name":"Rex"}`, "session=abc; theme=dark")
		if resp.StatusCode != 201 {
			t.Fatalf("status = %d; body %s", resp.StatusCode, b)
		}
		if got, want := resp.Header.Values("Set-Cookie"), []string{"first=1; Path=/", "second=2", "header=1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Set-Cookie = %q; want %q (cookies first)", got, want)
		}
		if resp.Header.Get("X-Echo") != "v2" || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers = %v", resp.Header)
		}
		var seen struct {
			Method, RawPath, RawQuery, Body, RequestID, SourceIP string
			Query                                                map[string]string
			Cookies                                              []string
			Base64                                               bool
			Headers                                              map[string]string
		}
		if err := json.Unmarshal(b, &seen); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if seen.Method != "POST" || seen.RawPath != "/v2/pets" || seen.RawQuery != "tag=a&tag=b%20c&q=x+y" ||
			seen.Body != `{"name":"Rex"}` || seen.Base64 || seen.RequestID != "E2Etestrequest=" || seen.SourceIP != "127.0.0.1" {
			t.Errorf("function saw %+v", seen)
		}
		if want := map[string]string{"tag": "a,b c", "q": "x y"}; !reflect.DeepEqual(seen.Query, want) {
			t.Errorf("query = %v; want %v", seen.Query, want)
		}
		if want := []string{"session=abc", "theme=dark"}; !reflect.DeepEqual(seen.Cookies, want) {
			t.Errorf("cookies = %q; want %q", seen.Cookies, want)
		}
		h := seen.Headers
		if h["x-forwarded-port"] != u.Port() || h["x-forwarded-proto"] != "http" || h["host"] != "127.0.0.1" ||
			h["content-length"] != "14" || h["x-forwarded-for"] != "127.0.0.1" || h["x-amzn-trace-id"] == "" {
			t.Errorf("gateway headers = %v", h)
		}
		if _, ok := h["cookie"]; ok {
			t.Error("cookie header not removed")
		}
	})

	t.Run("payload 2.0 form body arrives base64", func(t *testing.T) {
		_, b := do(t, "POST", "/v2/form", "application/x-www-form-urlencoded", "a=1&b=2")
		var seen struct {
			Body   string
			Base64 bool
		}
		_ = json.Unmarshal(b, &seen)
		if !seen.Base64 || seen.Body != "a=1&b=2" {
			t.Errorf("function saw %+v", seen)
		}
	})

	t.Run("payload 1.0 event and merged headers", func(t *testing.T) {
		resp, b := do(t, "GET", "/v1/pets?tag=a&tag=b", "", "", "session=abc")
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d; body %s", resp.StatusCode, b)
		}
		if got, want := resp.Header.Values("X-Combined"), []string{"single", "multi1", "multi2"}; !reflect.DeepEqual(got, want) {
			t.Errorf("X-Combined = %q; want %q", got, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q; want the 1.0 default", ct)
		}
		var seen struct {
			Path, Resource, Cookie, ResourceID string
			Query                              map[string]string
			MultiQuery                         map[string][]string
			Body                               string
		}
		if err := json.Unmarshal(b, &seen); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if seen.Path != "/v1/pets" || seen.Resource != "$default" || seen.ResourceID != "$default" || seen.Cookie != "session=abc" ||
			seen.Query["tag"] != "b" || !reflect.DeepEqual(seen.MultiQuery["tag"], []string{"a", "b"}) || seen.Body != "" {
			t.Errorf("function saw %+v", seen)
		}
	})

	tests := []struct {
		name, path     string
		wantStatus     int
		wantBody       string
		wantType       string
		wantTypeAbsent bool
	}{
		{name: "binary response", path: "/binary", wantStatus: 200, wantBody: "\x89PNG\x00", wantType: "image/png"},
		{name: "inferred string", path: "/string", wantStatus: 200, wantBody: "Hello, World!", wantType: "application/json"},
		{name: "inferred object", path: "/map", wantStatus: 200, wantBody: `{"hello":"world"}`, wantType: "application/json"},
		{name: "function error", path: "/fail", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`, wantType: "application/json"},
		{name: "function error 1.0", path: "/failv1", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`, wantType: "application/json"},
		{name: "status 0", path: "/zero", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`, wantType: "application/json"},
		{name: "1.0 infers nothing", path: "/stringv1", wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`, wantType: "application/json"},
		{name: "integration timeout", path: "/sleep", wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`, wantTypeAbsent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := do(t, "GET", tt.path, "", "")
			if resp.StatusCode != tt.wantStatus || string(b) != tt.wantBody {
				t.Errorf("got %d %q; want %d %q", resp.StatusCode, b, tt.wantStatus, tt.wantBody)
			}
			if ct, ok := resp.Header["Content-Type"]; tt.wantTypeAbsent && ok {
				t.Errorf("Content-Type = %q; want none", ct)
			} else if !tt.wantTypeAbsent && resp.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q; want %q", resp.Header.Get("Content-Type"), tt.wantType)
			}
			if resp.Header.Get("Apigw-Requestid") != "E2Etestrequest=" {
				t.Errorf("apigw-requestid = %q", resp.Header.Get("Apigw-Requestid"))
			}
		})
	}
}
