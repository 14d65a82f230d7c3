package iam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// The test API: every request is to API testAPI in testAccount/testRegion.
const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
	testAPI     = "api1"
)

// testNow is the gateway's clock in the tests.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Identities of the tests.
var (
	alice = Credentials{
		AccessKeyID: "AKIAALICE", SecretAccessKey: "alice-secret",
		ARN:        "arn:aws:iam::123456789012:user/alice",
		PolicyJSON: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/*"}]}`),
	}
	bob = Credentials{ // temporary credentials
		AccessKeyID: "ASIABOB", SecretAccessKey: "bob-secret", SessionToken: "bob-session-token",
		ARN:        "arn:aws:sts::123456789012:assumed-role/tester/bob-session",
		PolicyJSON: []byte(`{"Statement":{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}}`),
	}
	carol = Credentials{ // policy denies the admin paths
		AccessKeyID: "AKIACAROL", SecretAccessKey: "carol-secret",
		ARN: "arn:aws:iam::123456789012:user/carol",
		PolicyJSON: []byte(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/pets/*"},
			{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/pets/admin*"}]}`),
	}
	dave = Credentials{ // no policy: allowed nothing
		AccessKeyID: "AKIADAVE", SecretAccessKey: "dave-secret",
		ARN: "arn:aws:iam::123456789012:user/dave",
	}
	erin = Credentials{ // another account
		AccessKeyID: "AKIAERIN", SecretAccessKey: "erin-secret",
		ARN:        "arn:aws:iam::999999999999:user/erin",
		PolicyJSON: []byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
	}
)

func creds(id Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken}
}

// seen is what the test gateway's handler reports for one request.
type seen struct {
	Status    int
	ErrorType string
	Cause     string
	Message   string // the body's message the client must see
	IAM       *invoke.IAMContext
	BodyHash  string
}

// gateway is a test server that authorizes every request with an Authorizer
// the way the data plane does: the API is resolved path-style
// (/_aws/execute-api/{api}/...) or else the whole path is the API path, and
// invoke.Request.Path is the decoded path.
type gateway struct {
	t    *testing.T
	srv  *httptest.Server
	last chan seen
}

func newGateway(t *testing.T, opts Options) *gateway {
	t.Helper()
	return newGatewayClock(t, opts, func() time.Time { return testNow })
}

// newGatewayClock is newGateway with the gateway's clock.
func newGatewayClock(t *testing.T, opts Options, now func() time.Time) *gateway {
	t.Helper()
	store, err := NewStore([]Credentials{alice, bob, carol, dave, erin})
	if err != nil {
		t.Fatal(err)
	}
	a := New(Config{Identities: store, Now: now, Options: opts})
	g := &gateway{t: t, last: make(chan seen, 1)}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if rest, ok := strings.CutPrefix(p, "/_aws/execute-api/"+testAPI); ok {
			p = rest
		}
		req := &invoke.Request{HTTP: r, Region: testRegion, AccountID: testAccount, APIID: testAPI, Stage: "$default", Path: p}
		ac, err := a.Authorize(r.Context(), req)
		var s seen
		if err != nil {
			ge := gwerr.As(err)
			s = seen{Status: ge.Kind.Status(), ErrorType: ge.Header.Get(ErrorTypeHeader), Cause: err.Error(), Message: "Forbidden"}
			// AWS's message for the signature's problem; "Forbidden"
			// for no signature at all and for a denying policy.
			var ae *AuthError
			if errors.As(err, &ae) && ae.Type != AccessDenied && ae.Message != "Missing Authentication Token" {
				s.Message = ae.Message
			}
			if ac != nil {
				t.Errorf("Authorize returned a context with an error")
			}
			gwerr.Write(w, ge)
		} else {
			b, _ := io.ReadAll(r.Body)
			sum := sha256.Sum256(b)
			s = seen{Status: 200, IAM: ac.IAM, BodyHash: hex.EncodeToString(sum[:])}
			w.WriteHeader(200)
		}
		g.last <- s
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// do sends r and returns what the gateway decided; it checks that the client
// saw the same status and x-amzn-ErrorType.
func (g *gateway) do(r *http.Request) seen {
	g.t.Helper()
	resp, err := g.srv.Client().Do(r)
	if err != nil {
		g.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := <-g.last
	if resp.StatusCode != s.Status {
		g.t.Errorf("client status %d; handler %d", resp.StatusCode, s.Status)
	}
	if s.Status == 403 {
		var msg struct{ Message string }
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if r.Method != "HEAD" && (dec.Decode(&msg) != nil || msg.Message != s.Message) {
			g.t.Errorf("403 body %q; want the message %q", body, s.Message)
		}
		if got := resp.Header.Get("x-amzn-ErrorType"); got != s.ErrorType || got == "" {
			g.t.Errorf("x-amzn-ErrorType %q; want %q", got, s.ErrorType)
		}
	}
	return s
}

// newRequest builds a client request to path (relative to the server).
func (g *gateway) newRequest(method, target string, body []byte) *http.Request {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, g.srv.URL+target, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	return r
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sign signs r with the SDK's signer as an execute-api client does.
func sign(t testing.TB, r *http.Request, body []byte, id Credentials, at time.Time, opts ...func(*signOpts)) {
	t.Helper()
	o := signOpts{service: Service, region: testRegion, payloadHash: hashHex(body)}
	for _, f := range opts {
		f(&o)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds(id), r, o.payloadHash, o.service, o.region, at); err != nil {
		t.Fatal(err)
	}
}

type signOpts struct{ service, region, payloadHash string }

func withRegion(r string) func(*signOpts)  { return func(o *signOpts) { o.region = r } }
func withService(s string) func(*signOpts) { return func(o *signOpts) { o.service = s } }
func withPayloadHash(h string) func(*signOpts) {
	return func(o *signOpts) { o.payloadHash = h }
}

// presign returns a presigned URL for r (which is not modified).
func presign(t *testing.T, r *http.Request, id Credentials, at time.Time, payloadHash string) string {
	t.Helper()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds(id), r, payloadHash, Service, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustJSON is a helper for messages.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// withQuery returns target with a query parameter added.
func withQuery(target, name, value string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value)
}
