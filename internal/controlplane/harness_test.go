package controlplane_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/store"
)

// fakeDeployer records what it is asked to compile; fail makes Prepare
// refuse states for which it returns true.
type fakeDeployer struct {
	mu        sync.Mutex
	fail      func(tx store.Tx) error // guarded by mu
	installed []uint64                // guarded by mu
}

func (d *fakeDeployer) Prepare(tx store.Tx, _ *store.Changes) (func(bool), error) {
	d.mu.Lock()
	fail := d.fail
	d.mu.Unlock()
	if fail != nil {
		if err := fail(tx); err != nil {
			return nil, err
		}
	}
	rev := tx.Revision()
	return func(committed bool) {
		if !committed {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.installed = append(d.installed, rev)
	}, nil
}

func (d *fakeDeployer) setFail(f func(tx store.Tx) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = f
}

var errCompile = errors.New("api x: integration y: private integration (connectionType VPC_LINK) is not supported yet")

// env is a control plane on a real HTTP server with a bbolt store.
type env struct {
	url      string
	client   *apigatewayv2.Client
	store    store.Store
	deployer *fakeDeployer
	dir      string
	// resets records ResetAuthorizersCache calls as "apiId/stage".
	resets chan string
}

func start(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	return startIn(t, dir)
}

func startIn(t *testing.T, dir string) *env {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	dep := &fakeDeployer{}
	resets := make(chan string, 10)
	h, err := controlplane.New(controlplane.Options{
		Store:                 st,
		Deployer:              dep,
		ResetAuthorizersCache: func(apiID, stage string) { resets <- apiID + "/" + stage },
		Logger:                slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:                   func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &env{url: srv.URL, client: newClient(srv.URL), store: st, deployer: dep, dir: dir, resets: resets}
}

func newClient(url string) *apigatewayv2.Client {
	return apigatewayv2.New(apigatewayv2.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
