package app_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// TestHeaderBytesBounded: the data plane listener reads no more than about
// the 10 KB quota of request header: a 12 KB header gets AWS's 431 from the
// gateway, a 1 MB one is refused by the server before it is read whole.
func TestHeaderBytesBounded(t *testing.T) {
	cfg := config.Default()
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), ".apigw")}); err != nil {
		t.Fatal(err)
	}
	g, err := app.New(cfg, app.Options{Stderr: io.Discard, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
	})
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
