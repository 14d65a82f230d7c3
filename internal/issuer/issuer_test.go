package issuer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane/authz/jwt"
	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
)

// served starts an admin-like server with the issuer mounted at PathPrefix
// and returns the issuer.
func served(t *testing.T, dataDir string, now func() time.Time) (*Issuer, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is, err := Open(dataDir, srv.URL+PathPrefix, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(PathPrefix+"/", is)
	return is, srv
}

func TestOpenKeepsKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := Open(dir, "http://127.0.0.1:3300/_issuer", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, "http://127.0.0.1:3300/_issuer", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.KeyID() != b.KeyID() || a.KeyID() == "" {
		t.Errorf("kids %q and %q; want one key kept in the data dir", a.KeyID(), b.KeyID())
	}
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(filepath.Join(dir, KeyDir, currentKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o; want 600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Join(dir, KeyDir))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %o; want 700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, KeyDir))
	if len(entries) != 1 {
		t.Errorf("key dir holds %d files; want 1 (no temporary files left)", len(entries))
	}
	if err := os.Chmod(filepath.Join(dir, KeyDir, currentKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, "http://127.0.0.1:3300/_issuer", Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key was accepted: %v", err)
	}
}

func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kids := make([]string, 4)
	var wg sync.WaitGroup
	for i := range kids {
		wg.Go(func() {
			is, err := Open(dir, "http://x/_issuer", Options{})
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = is.KeyID()
		})
	}
	wg.Wait()
	for _, k := range kids[1:] {
		if k != kids[0] {
			t.Fatalf("concurrent opens made different keys: %q", kids)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "127.0.0.1:3300", "ftp://x/_issuer", "http://x/_issuer?a=b"} {
		if _, err := Open(t.TempDir(), u, Options{}); err == nil {
			t.Errorf("issuer URL %q accepted", u)
		}
	}
	if _, err := Open("", "http://x", Options{}); err == nil {
		t.Error("empty data dir accepted")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, KeyDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyDir, currentKeyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, "http://x", Options{}); err == nil {
		t.Error("garbage key accepted")
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	is, srv := served(t, t.TempDir(), nil)
	get := func(method, path string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	resp, body := get("GET", PathPrefix+"/.well-known/openid-configuration")
	var disc map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &disc) != nil || disc["issuer"] != is.URL() || disc["jwks_uri"] != is.URL()+"/.well-known/jwks.json" {
		t.Fatalf("discovery %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content-type %q", ct)
	}
	resp, body = get("GET", PathPrefix+"/.well-known/jwks.json")
	var set struct{ Keys []map[string]string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &set) != nil || len(set.Keys) != 1 || set.Keys[0]["kid"] != is.KeyID() ||
		set.Keys[0]["alg"] != "RS256" || set.Keys[0]["kty"] != "RSA" || strings.Contains(string(body), `"d"`) {
		t.Fatalf("jwks %d %s", resp.StatusCode, body)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"HEAD", PathPrefix + "/.well-known/jwks.json", 200},
		{"POST", PathPrefix + "/.well-known/jwks.json", 405},
		{"GET", PathPrefix + "/", 404},
		{"GET", PathPrefix + "/.well-known/../signing-key.pem", 404},
		{"GET", PathPrefix + "/signing-key.pem", 404},
	} {
		if resp, _ := get(c.method, c.path); resp.StatusCode != c.status {
			t.Errorf("%s %s: %d; want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
}

// authorizerFor returns a JWT authorizer for the issuer, as a JWT authorizer
// configured with jwtConfiguration.issuer = the issuer URL would be.
func authorizerFor(t *testing.T, is *Issuer, srv *httptest.Server, now func() time.Time, scopes ...string) *jwt.Authorizer {
	t.Helper()
	a, err := jwt.New(jwt.Config{
		Issuer: is.URL(), Audience: []string{"myapp"}, IdentitySource: "$request.header.Authorization", Scopes: scopes,
		Keys: jwt.NewCache(jwt.CacheOptions{Client: srv.Client(), Now: now}), Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func check(t *testing.T, a *jwt.Authorizer, tok string) (*invoke.AuthorizerContext, int) {
	t.Helper()
	r := httptest.NewRequest("GET", "http://api.example/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	ac, err := a.Authorize(context.Background(), &invoke.Request{HTTP: r})
	if err != nil {
		return nil, gwerr.As(err).Kind.Status()
	}
	return ac, 200
}

func TestMintedTokensVerify(t *testing.T) {
	t.Parallel()
	is, srv := served(t, t.TempDir(), nil)
	a := authorizerFor(t, is, srv, nil, "pets:read")
	tok, err := is.Mint(MintOptions{Subject: "alice", Audience: []string{"myapp"}, Scopes: []string{"pets:read", "openid"},
		Claims: map[string]any{"cognito:groups": []string{"admin", "dev"}, "n": 5}})
	if err != nil {
		t.Fatal(err)
	}
	ac, status := check(t, a, tok)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	c := ac.JWT.Claims
	if c["sub"] != "alice" || c["aud"] != "myapp" || c["iss"] != is.URL() || c["scope"] != "pets:read openid" ||
		c["cognito:groups"] != "[admin dev]" || c["n"] != "5" || c["jti"] == "" {
		t.Errorf("claims %v", c)
	}
	if strings.Join(ac.JWT.Scopes, " ") != "pets:read openid" {
		t.Errorf("scopes %q", ac.JWT.Scopes)
	}
	for name, opts := range map[string]MintOptions{
		"expired":        {Subject: "alice", Audience: []string{"myapp"}, Scopes: []string{"pets:read"}, TTL: -time.Minute},
		"other audience": {Subject: "alice", Audience: []string{"other"}, Scopes: []string{"pets:read"}},
		"no scope":       {Subject: "alice", Audience: []string{"myapp"}},
		"other issuer":   {Subject: "alice", Audience: []string{"myapp"}, Scopes: []string{"pets:read"}, Claims: map[string]any{"iss": "http://evil"}},
	} {
		tok, err := is.Mint(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, status := check(t, a, tok); status == 200 {
			t.Errorf("%s: accepted", name)
		}
	}
	// Several audiences make an array.
	tok, _ = is.Mint(MintOptions{Audience: []string{"x", "myapp"}, Scopes: []string{"pets:read"}})
	if ac, status := check(t, a, tok); status != 200 || ac.JWT.Claims["aud"] != "[x myapp]" {
		t.Errorf("two audiences: %d %v", status, ac)
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	// A second ahead of the issuer's own clock, so that the tokens it mints
	// (iat in whole seconds of the real time) are never "issued in the future".
	now := time.Now().Add(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dir := t.TempDir()
	is, srv := served(t, dir, nil)
	a := authorizerFor(t, is, srv, clock)
	old, _ := is.Mint(MintOptions{Audience: []string{"myapp"}})
	if _, s := check(t, a, old); s != 200 {
		t.Fatalf("before rotation: %d", s)
	}
	oldKID := is.KeyID()
	if err := is.Rotate(); err != nil {
		t.Fatal(err)
	}
	if is.KeyID() == oldKID {
		t.Fatal("kid unchanged")
	}
	fresh, _ := is.Mint(MintOptions{Audience: []string{"myapp"}})
	if _, s := check(t, a, old); s != 200 {
		t.Errorf("token of the previous key after rotation: %d", s)
	}
	// The gateway picks up the new key on an unknown kid once the refresh
	// interval has passed.
	mu.Lock()
	now = now.Add(jwt.DefaultRefreshInterval)
	mu.Unlock()
	if _, s := check(t, a, fresh); s != 200 {
		t.Errorf("token of the new key: %d", s)
	}
	// Both keys are published and survive a reopen.
	re, err := Open(dir, is.URL(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]string }
	_ = json.Unmarshal(re.JWKS(), &set)
	if len(set.Keys) != 2 || set.Keys[0]["kid"] != is.KeyID() || set.Keys[1]["kid"] != oldKID {
		t.Errorf("reopened JWKS %v", set.Keys)
	}
}

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := TokenCommand([]string{"--sub", "alice", "--aud", "myapp", "--scope", "read", "--scope", "write admin",
		"--claim", "team=blue", "--claim", "admin=true", "--claim", `groups=["a","b"]`, "--claim", "n=12345678901234567890",
		"--ttl", "2h", "--data-dir", dir, "--issuer", "http://127.0.0.1:9999/_issuer"}, &out, &errOut, TokenDefaults{})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	tok := strings.TrimSpace(out.String())
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !strings.HasSuffix(out.String(), "\n") {
		t.Fatalf("output %q", out.String())
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	exp, _ := c["exp"].(json.Number).Int64()
	iat, _ := c["iat"].(json.Number).Int64()
	if c["sub"] != "alice" || c["aud"] != "myapp" || c["scope"] != "read write admin" || c["team"] != "blue" || c["admin"] != true ||
		c["iss"] != "http://127.0.0.1:9999/_issuer" || exp-iat != 7200 || c["n"] != json.Number("12345678901234567890") {
		t.Errorf("claims %v", c)
	}
	if g, _ := c["groups"].([]any); len(g) != 2 {
		t.Errorf("groups %v", c["groups"])
	}
	// The token verifies with the keys kept in the data dir.
	is, err := Open(dir, "http://127.0.0.1:9999/_issuer", Options{})
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(hdr), is.KeyID()) {
		t.Errorf("header %s does not name the data dir's key %s", hdr, is.KeyID())
	}

	for _, args := range [][]string{
		{"--claim", "novalue"},
		{"--claim", "=x"},
		{"--ttl", "soon"},
		{"--ttl", "0s"},
		{"extra"},
		{"--unknown"},
	} {
		var o, e bytes.Buffer
		if code := TokenCommand(append(args, "--data-dir", dir), &o, &e, TokenDefaults{}); code != 2 || o.Len() != 0 || e.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, o.String(), e.String())
		}
	}
	var o, e bytes.Buffer
	if code := TokenCommand([]string{"--issuer", "not a url", "--data-dir", dir}, &o, &e, TokenDefaults{}); code != 1 {
		t.Errorf("bad issuer: exit %d", code)
	}
	if code := TokenCommand([]string{"-h"}, &o, &e, TokenDefaults{}); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}
