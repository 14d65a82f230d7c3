package etcd_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/store"
	"github.com/apigwdev/apigw/internal/store/etcd"
	"github.com/apigwdev/apigw/internal/store/storetest"
)

func TestEtcdConformance(t *testing.T) {
	url := clustertest.Etcd(t)
	base := clustertest.Prefix()
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		// The same dir opens the same keys.
		h := sha256.Sum256([]byte(dir))
		s, err := etcd.Open(etcd.Options{Endpoints: []string{url}, Prefix: base + hex.EncodeToString(h[:6]) + "/"})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// TestConcurrentWritersThroughTwoClients checks that writes racing through
// two clients (two nodes) all commit, each exactly once, with revisions
// one apart: a transaction that lost the race runs again on the new state.
func TestConcurrentWritersThroughTwoClients(t *testing.T) {
	url := clustertest.Etcd(t)
	prefix := clustertest.Prefix()
	var stores []*etcd.Store
	for range 2 {
		s, err := etcd.Open(etcd.Options{Endpoints: []string{url}, Prefix: prefix, Retries: 100})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	const perWriter = 25
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for range perWriter {
				err := s.Update(func(tx store.Tx) error {
					n := 0
					if v, err := tx.Get(store.KindAPI, "", "counter"); err == nil {
						n = len(v)
					} else if !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return tx.Put(store.KindAPI, "", "counter", []byte(strings.Repeat("x", n+1)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	err := stores[0].View(func(tx store.Tx) error {
		v, err := tx.Get(store.KindAPI, "", "counter")
		if err != nil {
			return err
		}
		if len(v) != 4*perWriter {
			t.Errorf("counter = %d after %d increments: an increment was lost", len(v), 4*perWriter)
		}
		if tx.Revision() != 4*perWriter {
			t.Errorf("revision = %d; want %d", tx.Revision(), 4*perWriter)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConflictAfterBoundedRetries checks that a transaction that keeps
// losing fails with ErrConflict.
func TestConflictAfterBoundedRetries(t *testing.T) {
	url := clustertest.Etcd(t)
	prefix := clustertest.Prefix()
	a, err := etcd.Open(etcd.Options{Endpoints: []string{url}, Prefix: prefix, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := etcd.Open(etcd.Options{Endpoints: []string{url}, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	runs := 0
	err = a.Update(func(tx store.Tx) error {
		runs++
		// Another node commits while this transaction runs.
		if err := b.Update(func(tx store.Tx) error { return tx.Put(store.KindAPI, "", "other", []byte("1")) }); err != nil {
			return err
		}
		return tx.Put(store.KindAPI, "", "mine", []byte("1"))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("error %v; want ErrConflict", err)
	}
	if runs != 3 {
		t.Errorf("ran %d times; want 3 (one and two retries)", runs)
	}
	_ = a.View(func(tx store.Tx) error {
		if _, err := tx.Get(store.KindAPI, "", "mine"); !errors.Is(err, store.ErrNotFound) {
			t.Error("the conflicting transaction's write was committed")
		}
		return nil
	})
}

// TestUnreachable checks the message of an etcd that does not answer.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := etcd.Open(etcd.Options{Endpoints: []string{"http://127.0.0.1:1"}, DialTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "etcd at http://127.0.0.1:1 is unreachable") || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("error %v; want one naming the address as unreachable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

// TestStoppedEtcdAnswersUnavailable checks that a store whose etcd went
// away fails its transactions with ErrUnavailable, and recovers.
func TestStoppedEtcdAnswersUnavailable(t *testing.T) {
	srv := clustertest.StartEtcd(t)
	s, err := etcd.Open(etcd.Options{Endpoints: []string{srv.URL}, Prefix: clustertest.Prefix(), RequestTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	err = s.Update(func(tx store.Tx) error { return tx.Put(store.KindAPI, "", "x", []byte("1")) })
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Update with etcd stopped: %v; want ErrUnavailable", err)
	}
	srv.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = s.Update(func(tx store.Tx) error { return tx.Put(store.KindAPI, "", "x", []byte("1")) })
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Update after etcd came back: %v", err)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scope, id string
	}{{"", "abc"}, {"api1", "a/b%c"}, {"d.example.com", "x"}} {
		k := etcd.Key("/p/", store.KindRoute, tc.scope, tc.id)
		kind, scope, id, ok := etcd.ParseKey("/p/", k)
		if !ok || kind != store.KindRoute || scope != tc.scope || id != tc.id {
			t.Errorf("ParseKey(Key(%q, %q)) = %s %q %q %v (key %s)", tc.scope, tc.id, kind, scope, id, ok, k)
		}
	}
}

// TestWrongCredentialsAndTLS checks that an etcd refusing the credentials,
// or spoken to over TLS when it serves plain HTTP, says so.
func TestWrongCredentialsAndTLS(t *testing.T) {
	srv := clustertest.StartEtcd(t)
	post := func(path, body string) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	post("/v3/auth/user/add", `{"name":"root","password":"right"}`)
	post("/v3/auth/user/grant", `{"user":"root","role":"root"}`)
	post("/v3/auth/enable", `{}`)

	_, err := etcd.Open(etcd.Options{Endpoints: []string{srv.URL}, Username: "root", Password: "wrong", DialTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("wrong password: %v; want an error saying etcd at %s refused the credentials", err, srv.URL)
	}
	s, err := etcd.Open(etcd.Options{Endpoints: []string{srv.URL}, Username: "root", Password: "right", Prefix: clustertest.Prefix()})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	s.Close()

	tlsURL := "https://" + strings.TrimPrefix(srv.URL, "http://")
	_, err = etcd.Open(etcd.Options{Endpoints: []string{tlsURL}, TLS: &tls.Config{MinVersion: tls.VersionTLS12}, DialTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("TLS to a plain etcd: %v; want an error saying TLS failed", err)
	}
}
