package h1client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// smuggled is a complete response a misbehaving backend appends to an
// answer: if a pooled connection carried it to the next request, that
// request would read "SECRET".
const smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET"

// TestTransportNeverDesynchronises reproduces the pooled-connection desync:
// a backend sends bytes that answer no request (a body on a HEAD, 204 or 304
// answer, more bytes than its Content-Length), at once or a moment later.
// The next request on the pool must get its own answer, never those bytes.
func TestTransportNeverDesynchronises(t *testing.T) {
	tests := []struct {
		name, method, head string
		late               bool // the extra bytes are written after a pause
	}{
		{name: "body on HEAD", method: http.MethodHead, head: "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"},
		{name: "body on 204", method: http.MethodGet, head: "HTTP/1.1 204 No Content\r\n\r\n"},
		{name: "body on 304", method: http.MethodGet, head: "HTTP/1.1 304 Not Modified\r\n\r\n"},
		{name: "more than Content-Length", method: http.MethodGet, head: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "more than Content-Length, late", method: http.MethodGet, head: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", late: true},
		{name: "body on 204, late", method: http.MethodGet, head: "HTTP/1.1 204 No Content\r\n\r\n", late: true},
		{name: "chunked then extra", method: http.MethodGet, head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int32
			addr := rawServer(t, func(c net.Conn) {
				conns.Add(1)
				br := bufio.NewReader(c)
				for {
					req, _, err := readRequest(br)
					if err != nil {
						return
					}
					if req.URL.Path != "/smuggle" {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
						continue
					}
					if tt.late {
						io.WriteString(c, tt.head)
						time.Sleep(20 * time.Millisecond)
						io.WriteString(c, smuggled)
					} else {
						io.WriteString(c, tt.head+smuggled)
					}
				}
			})
			tr := New()
			defer tr.CloseIdleConnections()
			for i := range 3 {
				req, _ := http.NewRequest(tt.method, "http://"+addr+"/smuggle", nil)
				resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
				if err != nil {
					t.Fatalf("round %d: %s /smuggle: %v", i, tt.method, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				time.Sleep(50 * time.Millisecond) // the extra bytes arrive while the connection is idle
				for j := range 2 {
					if code, body := get(t, tr, "http://"+addr+"/next"); code != 200 || body != "fresh" {
						t.Fatalf("round %d, request %d after the extra bytes: %d %q; want 200 \"fresh\"", i, j, code, body)
					}
				}
			}
			if n := conns.Load(); n < 2 {
				t.Errorf("connections = %d; the connection with extra bytes was reused", n)
			}
		})
	}
}

// TestTransportReusesCleanConnections: the check before reuse keeps
// well-behaved connections, 204 and HEAD answers included, in the pool.
func TestTransportReusesCleanConnections(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		default:
			fmt.Fprint(w, "hello")
		}
	}))
	tr := New()
	defer tr.CloseIdleConnections()
	for i := range 10 {
		for _, m := range []string{http.MethodHead, http.MethodGet} {
			for _, p := range []string{"/204", "/x"} {
				req, _ := http.NewRequest(m, srv.URL+p, nil)
				resp, err := tr.Do(context.Background(), req, time.Now().Add(5*time.Second))
				if err != nil {
					t.Fatalf("%d %s %s: %v", i, m, p, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}
	want := int32(1)
	if !canCheckIdle {
		want = 40
	}
	if n := conns.Load(); n != want {
		t.Errorf("40 sequential requests used %d connections; want %d", n, want)
	}
}

// BenchmarkIdleCheck is the cost the check before reuse adds to each
// request on a pooled connection: clearing the deadline and one peek.
func BenchmarkIdleCheck(b *testing.B) {
	if !canCheckIdle {
		b.Skip("connections are not pooled on this platform")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var k idleCheck
	k.init(nc)
	b.ReportAllocs()
	for b.Loop() {
		if nc.SetDeadline(time.Time{}) != nil || !k.ok() {
			b.Fatal("a quiet connection reported dead")
		}
	}
}
