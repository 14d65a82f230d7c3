package inspector

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

// record runs one request through r as the data plane does: Begin, the
// integration reading the body and the handler writing the answer, then
// Finish.
func record(t *testing.T, r *Recorder, id string, req *http.Request, respBody string, fill func(*invoke.Record)) {
	t.Helper()
	rw := httptest.NewRecorder()
	w, rec := r.Begin(rw, req, id, time.Now())
	if req.Body != nil {
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			t.Fatal(err)
		}
	}
	if fill != nil {
		fill(rec.Record())
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, respBody)
	rec.Finish(&invoke.Request{APIID: "api", Stage: "$default", RouteKey: "GET /x"}, &invoke.Outcome{Status: 200, IntegrationLatency: -1}, "NONE")
}

func TestRingKeepsTheLastSize(t *testing.T) {
	t.Parallel()
	r := New(Options{Size: 3})
	for i := range 5 {
		record(t, r, fmt.Sprint("id", i), httptest.NewRequest("GET", "/x", nil), "ok", nil)
	}
	var got []string
	for _, e := range r.list(0, 10) {
		got = append(got, e.id)
	}
	if want := "id4 id3 id2"; strings.Join(got, " ") != want {
		t.Errorf("kept %v, want %s", got, want)
	}
	if r.find("id1") != nil || r.find("id2") == nil {
		t.Error("find: evicted entry found or kept one missing")
	}
	if got := r.list(3, 10); len(got) != 2 || got[1].seq != 4 {
		t.Errorf("list after 3: %d entries", len(got))
	}
}

func TestBodiesCutAndBudget(t *testing.T) {
	t.Parallel()
	r := New(Options{Size: 10, Budget: 3 * MaxBodyBytes})
	big := strings.Repeat("é", MaxBodyBytes) // 2 bytes each: cut inside a rune
	for i := range 3 {
		record(t, r, fmt.Sprint("id", i), httptest.NewRequest("POST", "/x", strings.NewReader(big)), big, nil)
	}
	d := r.find("id2").detail(nil)
	if !d.Request.BodyTruncated || d.Request.BodyBytes != int64(len(big)) || d.Request.BodyEncoding != "" ||
		len(d.Request.Body.Body) > MaxBodyBytes || len(d.Request.Body.Body) < MaxBodyBytes-4 {
		t.Errorf("request body: %d bytes shown of %d, truncated %v, encoding %q", len(d.Request.Body.Body), d.Request.BodyBytes, d.Request.BodyTruncated, d.Request.BodyEncoding)
	}
	if r.find("id0").detail(nil).BodiesDropped != true || r.find("id2").detail(nil).BodiesDropped {
		t.Error("budget: the oldest entry should have lost its bodies, the newest kept them")
	}
	if r.bodies > 3*MaxBodyBytes {
		t.Errorf("ring holds %d bytes of bodies, budget %d", r.bodies, 3*MaxBodyBytes)
	}
}

func TestMasking(t *testing.T) {
	t.Parallel()
	const (
		sig    = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
		token  = "tok/en+with=chars"
		cookie = "sess-7f7f7f7f"
		conf   = "configured-secret-key"
	)
	tests := []struct {
		name    string
		headers map[string]string
		query   string
		fill    func(*invoke.Record)
	}{
		{name: "bearer echoed in the event", headers: map[string]string{"Authorization": "Bearer " + token},
			fill: func(rec *invoke.Record) {
				ev, _ := json.Marshal(map[string]any{"headers": map[string]string{"authorization": "Bearer " + token}})
				rec.Integration = &invoke.IntegrationRecord{Type: "AWS_PROXY", RequestBody: ev, FunctionLog: "got " + token}
			}},
		{name: "sigv4 header", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=" + sig},
			fill: func(rec *invoke.Record) { rec.AccessLog = "sig " + sig }},
		{name: "presigned query", query: "?X-Amz-Signature=" + sig + "&X-Amz-Security-Token=" + strings.ReplaceAll(token, "+", "%2B")},
		{name: "cookie pair", headers: map[string]string{"Cookie": "session=" + cookie},
			fill: func(rec *invoke.Record) {
				rec.Integration = &invoke.IntegrationRecord{Type: "AWS_PROXY", RequestBody: []byte(`{"cookies":["session=` + cookie + `"]}`)}
			}},
		{name: "configured secret", fill: func(rec *invoke.Record) { rec.AccessLog = "leak " + conf }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := New(Options{Secrets: []string{conf}})
			req := httptest.NewRequest("GET", "/x"+tc.query, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			record(t, r, "id", req, "ok", tc.fill)
			e := r.find("id")
			b, _ := json.Marshal(e.detail(r.maskerFor(e)))
			for _, s := range []string{sig, token, cookie, conf, strings.ReplaceAll(token, "+", "%2B"), strings.ReplaceAll(token, "/", `\/`)} {
				if strings.Contains(string(b), s) {
					t.Errorf("secret %q shown: %s", s, b)
				}
			}
			if !strings.Contains(string(b), maskText) {
				t.Errorf("nothing masked: %s", b)
			}
		})
	}
}

func TestShowSecrets(t *testing.T) {
	t.Parallel()
	r := New(Options{ShowSecrets: true})
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Authorization", "Bearer abcdefgh")
	record(t, r, "id", req, "", nil)
	e := r.find("id")
	if got := e.detail(r.maskerFor(e)).Request.Headers["Authorization"]; got[0] != "Bearer abcdefgh" {
		t.Errorf("Authorization %q with ShowSecrets", got)
	}
}
