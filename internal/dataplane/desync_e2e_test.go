package dataplane_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/routekey"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// TestNoResponseDesyncAcrossClients reproduces the campaign's desync
// through the gateway: a backend answers a HEAD on the public route with a
// body that is itself a complete response carrying the private route's
// secret, sent a moment later. Another client's request to the public route,
// on the same pooled backend connection, must get its own answer.
func TestNoResponseDesyncAcrossClients(t *testing.T) {
	t.Parallel()
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
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if req.Method == http.MethodHead {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
						time.Sleep(20 * time.Millisecond)
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nprivate-secret")
						continue
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npublic")
				}
			}()
		}
	}()
	tr := h1client.New()
	t.Cleanup(tr.CloseIdleConnections) // runs before the backend's cleanup, which waits for its connections
	inv, err := httpproxy.New(httpproxy.Config{URI: "http://" + ln.Addr().String(), Method: "ANY", Timeout: 5 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := routekey.Parse("$default")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := routekey.Build([]*routekey.Key{rk})
	if err != nil {
		t.Fatal(err)
	}
	api := &snapshot.API{ID: "desync0001", Stages: map[string]*snapshot.Stage{}}
	api.DefaultStage = &snapshot.Stage{APIID: api.ID, Name: "$default", Table: tab, Routes: []*snapshot.Route{
		{Key: rk, Integration: &snapshot.Integration{ID: "i", Type: "HTTP_PROXY", Invoker: inv}, AuthorizationType: "NONE"}}}
	gw := httptest.NewServer(dataplane.New(&snapshot.Snapshot{APIs: map[string]*snapshot.API{api.ID: api}, Default: api},
		dataplane.Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(gw.Close)

	attacker := &http.Client{Transport: &http.Transport{}}
	victim := &http.Client{Transport: &http.Transport{}}
	for i := range 5 {
		req, _ := http.NewRequest(http.MethodHead, gw.URL+"/public", nil)
		resp, err := attacker.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		time.Sleep(50 * time.Millisecond) // the smuggled answer lands on the idle backend connection
		resp, err = victim.Get(gw.URL + "/public")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "public" {
			t.Fatalf("round %d: another client got %q; want its own answer \"public\"", i, b)
		}
	}
}
