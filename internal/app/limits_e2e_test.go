package app_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHeaderBytesBounded: the data plane listener reads no more than about
// the 10 KB quota of request header: a 12 KB header gets AWS's 431 from the
// gateway, a 1 MB one is refused by the server before it is read whole.
func TestHeaderBytesBounded(t *testing.T) {
	g, err := startGateway(t, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(g.DataURL(), "http://")
	send := func(headerBytes int) (int, string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			_, _ = io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", headerBytes)+"\r\n\r\n")
		}()
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%d-byte header: no answer: %v", headerBytes, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if code, body := send(12 << 10); code != http.StatusRequestHeaderFieldsTooLarge || body != `{"message":"Request Header Fields Too Large"}` {
		t.Errorf("12 KB header: %d %q; want 431 in AWS's shape", code, body)
	}
	// net/http's own answer (plain text) shows the header was not read
	// whole; the gateway's JSON would mean it was.
	if code, body := send(1 << 20); code != http.StatusRequestHeaderFieldsTooLarge || strings.HasPrefix(body, "{") {
		t.Errorf("1 MB header: %d %q; want net/http's 431, refused before the header is read whole", code, body)
	}
}
