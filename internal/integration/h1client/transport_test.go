package h1client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer starts a backend that counts the connections it accepted.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

func get(t *testing.T, tr *Transport, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

func TestTransportReusesConnections(t *testing.T) {
	requirePooling(t)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	for i := range 50 {
		if code, body := get(t, tr, srv.URL+"/x"); code != 200 || body != "hello" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("50 sequential requests used %d connections; want 1", n)
	}
}

// rawServer accepts connections and runs serve on each; it returns the
// address.
func rawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); serve(c) }()
		}
	}()
	return ln.Addr().String()
}

// readRequest reads one request from br with its body.
func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(req.Body)
	return req, b, err
}

func TestTransportRetriesBodylessRequestOnStaleConnection(t *testing.T) {
	// Each connection serves one request and is then closed by the server
	// without "Connection: close", as a backend's idle timeout does.
	var conns atomic.Int32
	addr := rawServer(t, func(c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		if _, _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	tr := New()
	defer tr.CloseIdleConnections()
	for i := range 3 {
		// Let the server's close arrive before the connection is reused.
		time.Sleep(20 * time.Millisecond)
		if code, body := get(t, tr, "http://"+addr+"/"); code != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("connections = %d; want 3 (one per request, the stale ones replaced)", n)
	}
}

func TestTransportSkipsClosedConnectionForRequestWithBody(t *testing.T) {
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		_, body, err := readRequest(br)
		if err != nil {
			return
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	})
	tr := New()
	defer tr.CloseIdleConnections()
	for i := range 3 {
		time.Sleep(20 * time.Millisecond)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader("payload"))
		resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
		if err != nil {
			t.Fatalf("POST %d on a pool whose connection the server closed: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "payload" {
			t.Fatalf("POST %d: body %q", i, b)
		}
	}
}

func TestTransportRequestBodies(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %s %q %d", n, hex.EncodeToString(h.Sum(nil)), r.TransferEncoding, r.ContentLength)
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	for _, tt := range []struct {
		name   string
		size   int
		length func(n int) int64
		te     string
	}{
		{"small with length", 100, func(n int) int64 { return int64(n) }, "[]"},
		{"large with length", 1 << 20, func(n int) int64 { return int64(n) }, "[]"},
		{"unknown length", 200 << 10, func(int) int64 { return -1 }, `["chunked"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/", io.NopCloser(bytes.NewReader(data)))
			req.ContentLength = tt.length(len(data))
			resp, err := tr.Do(context.Background(), req, time.Now().Add(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			sum := sha256.Sum256(data)
			want := fmt.Sprintf("%d %s %s %d", len(data), hex.EncodeToString(sum[:]), tt.te, tt.length(len(data)))
			if string(b) != want {
				t.Errorf("backend saw %s; want %s", b, want)
			}
		})
	}
}

func TestTransportShortBodyIsAnError(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tr := New()
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", io.NopCloser(strings.NewReader("abc")))
	req.ContentLength = 10
	if _, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second)); err == nil {
		t.Fatal("a body shorter than its Content-Length was sent without error")
	}
}

// TestTransportWire checks the bytes of requests as sent.
func TestTransportWire(t *testing.T) {
	got := make(chan string, 4)
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			var head strings.Builder
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				head.WriteString(line)
				if line == "\r\n" {
					break
				}
			}
			got <- head.String()
			io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		}
	})
	tr := New()
	defer tr.CloseIdleConnections()
	send := func(tr *Transport, method string, h http.Header) string {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+"/p/a%2Fb?q=1&r", nil)
		req.Host = "backend.example"
		req.Header = h
		resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}
	h := http.Header{"X-B": {"2"}, "X-A": {"1", "1b"}, "User-Agent": {"curl/8"}, "Host": {"ignored"}, "Connection": {"x-a"}}
	want := "GET /p/a%2Fb?q=1&r HTTP/1.1\r\nHost: backend.example\r\nUser-Agent: curl/8\r\nX-A: 1\r\nX-A: 1b\r\nX-B: 2\r\n\r\n"
	if s := send(tr, "GET", h); s != want {
		t.Errorf("GET sent\n%q\nwant\n%q", s, want)
	}
	// An empty User-Agent sends none; a bodyless POST says Content-Length 0.
	want = "POST /p/a%2Fb?q=1&r HTTP/1.1\r\nHost: backend.example\r\nContent-Length: 0\r\n\r\n"
	if s := send(tr, "POST", http.Header{"User-Agent": {""}}); s != want {
		t.Errorf("POST sent\n%q\nwant\n%q", s, want)
	}
	closing := New()
	closing.DisableKeepAlives = true
	want = "GET /p/a%2Fb?q=1&r HTTP/1.1\r\nHost: backend.example\r\nConnection: close\r\n\r\n"
	if s := send(closing, "GET", nil); s != want {
		t.Errorf("GET without keep-alives sent\n%q\nwant\n%q", s, want)
	}
}

func TestTransportRefusesHeaderInjection(t *testing.T) {
	requirePooling(t)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tr := New()
	for _, h := range []http.Header{
		{"X-Evil": {"a\r\nX-Injected: 1"}},
		{"Bad Name": {"v"}},
		{"User-Agent": {"ua\nX: y"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header = h
		if _, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second)); err == nil {
			t.Errorf("header %q was sent", h)
		}
	}
	if n := conns.Load(); n > 1 {
		t.Errorf("%d connections for refused requests; want at most 1, reused", n)
	}
}

func TestTransportResponseFraming(t *testing.T) {
	requirePooling(t)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "part1,")
			w.(http.Flusher).Flush()
			io.WriteString(w, "part2")
			w.Header().Set("X-Sum", "2")
		case "/head":
			w.Header().Set("Content-Length", "42")
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		case "/early-hints":
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "final")
		}
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	do := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
		resp.Body.Close()
		return resp, string(b)
	}
	if resp, body := do("GET", "/chunked"); body != "part1,part2" || resp.Trailer.Get("X-Sum") != "2" {
		t.Errorf("chunked: body %q, trailer %q", body, resp.Trailer)
	}
	if resp, body := do("HEAD", "/head"); body != "" || resp.ContentLength != 42 {
		t.Errorf("HEAD: body %q, length %d", body, resp.ContentLength)
	}
	for _, p := range []string{"/204", "/304"} {
		if _, body := do("GET", p); body != "" {
			t.Errorf("%s: body %q", p, body)
		}
	}
	if resp, body := do("GET", "/early-hints"); resp.StatusCode != 200 || body != "final" {
		t.Errorf("after 103: %d %q", resp.StatusCode, body)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections; want 1: every framing leaves the connection reusable", n)
	}
}

func TestTransportCloseDelimitedAndConnectionClose(t *testing.T) {
	requirePooling(t)
	var conns atomic.Int32
	addr := rawServer(t, func(c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		req, _, err := readRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/eof" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\nuntil the end")
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nclose")
		br.ReadByte() // wait for the client to close
	})
	tr := New()
	defer tr.CloseIdleConnections()
	for _, tt := range []struct{ path, body string }{{"/eof", "until the end"}, {"/close", "close"}, {"/eof", "until the end"}} {
		if _, body := get(t, tr, "http://"+addr+tt.path); body != tt.body {
			t.Errorf("%s: %q", tt.path, body)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections; want 3: none of these responses leaves a reusable connection", n)
	}
}

func TestTransportEarlyClosedBodyDropsConnection(t *testing.T) {
	requirePooling(t)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write(bytes.Repeat([]byte("x"), 1<<20))
			return
		}
		io.WriteString(w, "small")
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/big", nil)
	resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, body := get(t, tr, srv.URL+"/small"); body != "small" {
		t.Errorf("after an early close: %q", body)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections; want 2 (a body closed early is not reused)", n)
	}
}

func TestTransportEarlyResponseToLargeBody(t *testing.T) {
	// The backend answers without reading a body larger than the socket
	// buffers; the answer must reach the caller.
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 8\r\n\r\ntoo big!")
		time.Sleep(200 * time.Millisecond)
	})
	tr := New()
	defer tr.CloseIdleConnections()
	data := bytes.Repeat([]byte("y"), 16<<20)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(data))
	resp, err := tr.Do(context.Background(), req, time.Now().Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || string(b) != "too big!" {
		t.Errorf("got %d %q; want the backend's early 413", resp.StatusCode, b)
	}
}

func TestTransportDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/midbody" {
			io.WriteString(w, "start")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	tr := New()
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/headers", nil)
	_, err := tr.Do(context.Background(), req, time.Now().Add(100*time.Millisecond))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("waiting for headers past the deadline: %v; want ErrTimeout", err)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/midbody", nil)
	resp, err := tr.Do(context.Background(), req, time.Now().Add(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("reading the body past the deadline: %v; want ErrTimeout", err)
	}
}

func TestTransportCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	_, err := tr.Do(ctx, req, time.Now().Add(30*time.Second))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("canceled while waiting: %v; want context.Canceled, not a timeout", err)
	}
}

func TestTransportResponseHeaderLimit(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("b", 8<<10))
	}))
	tr := New()
	tr.MaxResponseHeaderBytes = 4 << 10
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if _, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second)); err == nil || !strings.Contains(err.Error(), "larger than 4096 bytes") {
		t.Errorf("an 8 KB header under a 4 KB limit: %v", err)
	}
}

func TestTransportTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %d", r.Proto, r.TLS.Version)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr := New()
	tr.TLSClientConfig.RootCAs = pool
	tr.TLSClientConfig.ServerName = "example.com" // in httptest's certificate
	defer tr.CloseIdleConnections()
	for range 2 {
		if code, body := get(t, tr, srv.URL+"/"); code != 200 || !strings.HasPrefix(body, "HTTP/1.1 ") {
			t.Errorf("over TLS: %d %q", code, body)
		}
	}
	untrusted := New()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if _, err := untrusted.Do(context.Background(), req, time.Now().Add(5*time.Second)); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
}

func TestTransportIdleTimeout(t *testing.T) {
	requirePooling(t)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tr := New()
	tr.IdleConnTimeout = 30 * time.Millisecond
	defer tr.CloseIdleConnections()
	get(t, tr, srv.URL+"/")
	deadline := time.Now().Add(5 * time.Second)
	for {
		tr.mu.Lock()
		n := len(tr.idle)
		tr.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an idle connection outlived IdleConnTimeout by seconds")
		}
		time.Sleep(10 * time.Millisecond)
	}
	get(t, tr, srv.URL+"/")
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections; want 2 (the expired one replaced)", n)
	}
}

func TestTransportPoolBound(t *testing.T) {
	requirePooling(t)
	release := make(chan struct{})
	var started sync.WaitGroup
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Done()
		<-release
	}))
	tr := New()
	tr.MaxIdleConnsPerHost = 2
	defer tr.CloseIdleConnections()
	const n = 5
	started.Add(n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { get(t, tr, srv.URL+"/") })
	}
	started.Wait()
	close(release)
	wg.Wait()
	tr.mu.Lock()
	idle := 0
	for _, l := range tr.idle {
		idle += len(l)
	}
	tr.mu.Unlock()
	if idle != 2 {
		t.Errorf("%d idle connections after %d concurrent requests; want MaxIdleConnsPerHost = 2", idle, n)
	}
}

func TestTransportConcurrent(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				want := strconv.Itoa(g*1000 + i)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(want))
				resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != want {
					t.Errorf("got %q; want %q: answers crossed", b, want)
				}
			}
		})
	}
	wg.Wait()
}

// FuzzValidHeaderValue checks the word-at-a-time check against the byte loop.
func FuzzValidHeaderValue(f *testing.F) {
	for _, s := range []string{"", "plain", "tab\there", "a\r\nb", "\x7f", "01234567\x00", "obs-text \xff\x80 ok", strings.Repeat("x", 31) + "\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidHeaderValue(s), validHeaderBytes(s); got != want {
			t.Errorf("ValidHeaderValue(%q) = %v; the byte loop says %v", s, got, want)
		}
	})
}

func BenchmarkValidHeaderValue(b *testing.B) {
	token := "Bearer " + strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.", 17)
	for b.Loop() {
		if !ValidHeaderValue(token) {
			b.Fatal("refused")
		}
	}
}

func TestValidHeaderValueEveryByte(t *testing.T) {
	for b := range 256 {
		for pos := range 17 {
			v := []byte(strings.Repeat("a", 17))
			v[pos] = byte(b)
			// A neighbour that borrows (0x00) or is obs-text must not hide b.
			for _, n := range []byte{'a', 0x00, 0x20, 0x80, 0xff} {
				if pos > 0 {
					v[pos-1] = n
				}
				s := string(v)
				if got, want := ValidHeaderValue(s), validHeaderBytes(s); got != want {
					t.Fatalf("ValidHeaderValue(%q) = %v; want %v", s, got, want)
				}
			}
		}
	}
}

func TestTransportBackendRestart(t *testing.T) {
	// Every pooled connection is closed at once, as when the backend
	// restarts: the next bodyless request must still succeed.
	var mu sync.Mutex
	var open []net.Conn
	addr := rawServer(t, func(c net.Conn) {
		mu.Lock()
		open = append(open, c)
		mu.Unlock()
		br := bufio.NewReader(c)
		for {
			if _, _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	tr := New()
	defer tr.CloseIdleConnections()
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 { // four connections in the pool
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
			resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
			if err != nil {
				t.Error(err)
				return
			}
			<-release
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	mu.Lock()
	for _, c := range open {
		c.Close()
	}
	mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	if code, body := get(t, tr, "http://"+addr+"/"); code != 200 || body != "ok" {
		t.Errorf("after the restart: %d %q", code, body)
	}
}

// requirePooling skips a test about the idle pool where connections are
// not pooled (canCheckIdle false: no way to peek at an idle socket).
func requirePooling(t *testing.T) {
	t.Helper()
	if !canCheckIdle {
		t.Skip("connections are not pooled on this platform")
	}
}
