package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// failingStore fails every Put of a route of the API failAPI.
type failingStore struct {
	*store.Bolt
	failAPI string
}

func (s failingStore) Update(fn func(store.Tx) error) error {
	return s.Bolt.Update(func(tx store.Tx) error { return fn(failingTx{tx, s.failAPI}) })
}

type failingTx struct {
	store.Tx
	failAPI string
}

func (t failingTx) Put(kind store.Kind, scope, id string, value []byte) error {
	if kind == store.KindRoute && scope == t.failAPI {
		return errors.New("disk full")
	}
	return t.Tx.Put(kind, scope, id, value)
}

func configInput(ids ...string) *compile.Input {
	in := &compile.Input{}
	for _, id := range ids {
		in.APIs = append(in.APIs, compile.API{
			Definition: &model.Definition{
				API:    model.API{APIID: id, Name: id, ProtocolType: model.ProtocolHTTP},
				Routes: []model.Route{{RouteID: "rte0001", RouteKey: "GET /x", AuthorizationType: model.AuthNone}},
			},
			Stages: []compile.Stage{{Stage: model.Stage{StageName: model.DefaultStageName, AutoDeploy: true}}},
		})
	}
	return in
}

// TestSyncConfigOneTransaction checks that the config file's APIs, the
// removal of those no longer declared and the VPC links are one commit.
func TestSyncConfigOneTransaction(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logged []string
	logError := func(m string) { logged = append(logged, m) }
	cfg := &config.Config{VpcLinks: []config.VpcLink{{ID: "vl0001"}}}
	syncConfig(st, cfg, configInput("api0000001", "api0000002", "api0000003"), logError)
	if got := st.Revision(); got != 1 {
		t.Errorf("revision after importing 3 APIs into a new store = %d; want 1 (one transaction)", got)
	}
	// A restart without api0000003 removes it, in one more commit.
	syncConfig(st, cfg, configInput("api0000001", "api0000002"), logError)
	if got := st.Revision(); got != 2 {
		t.Errorf("revision after the second sync = %d; want 2", got)
	}
	err = st.View(func(tx store.Tx) error {
		apis, err := store.APIs(tx).List()
		if err != nil {
			return err
		}
		var ids []string
		for _, a := range apis {
			ids = append(ids, a.APIID)
		}
		if !slices.Equal(ids, []string{"api0000001", "api0000002"}) {
			t.Errorf("stored APIs %v", ids)
		}
		if ok, _ := store.VpcLinks(tx).Has("vl0001"); !ok {
			t.Error("VPC link not stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != 0 {
		t.Errorf("logged %q", logged)
	}
}

// TestSyncConfigFallsBackPerAPI checks that when the one transaction fails,
// each API is stored on its own: the failing one is logged, the others are
// stored, and the note about replacing an API of the management API is
// logged once.
func TestSyncConfigFallsBackPerAPI(t *testing.T) {
	t.Parallel()
	bolt, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	// api0000001 exists, created through the management API.
	err = bolt.Update(func(tx store.Tx) error {
		return store.APIs(tx).Put("api0000001", &model.API{APIID: "api0000001", Name: "managed"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	st := failingStore{Bolt: bolt, failAPI: "api0000002"}
	syncConfig(st, &config.Config{}, configInput("api0000001", "api0000002", "api0000003"), func(m string) { logged = append(logged, m) })
	want := []string{
		"api api0000001: the config file's API replaces the API of the same id created through the management API",
		"api api0000002: storing the config file's API: disk full",
	}
	if !slices.Equal(logged, want) {
		t.Errorf("logged:\n%s\nwant:\n%s", strings.Join(logged, "\n"), strings.Join(want, "\n"))
	}
	err = bolt.View(func(tx store.Tx) error {
		for id, want := range map[string]bool{"api0000001": true, "api0000002": false, "api0000003": true} {
			if m, err := store.APIMetas(tx).Get(id); (err == nil && m.FromConfig) != want {
				t.Errorf("api %s stored from the config file: %v; want %v", id, err == nil, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBuildInputOrder checks that the config file's APIs, imported in
// parallel, come out in the file's order, and that the first failing one in
// that order is the error.
func TestBuildInputOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	doc := func(path string) string {
		return `openapi: "3.0.1"
info: {title: t, version: "1"}
paths:
  ` + path + `:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/x", payloadFormatVersion: "1.0"}
`
	}
	cfg := &config.Config{}
	for i := range 12 {
		name := filepath.Join(dir, fmt.Sprintf("api%02d.yaml", i))
		if err := os.WriteFile(name, []byte(doc(fmt.Sprintf("/p%d", i))), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.APIs = append(cfg.APIs, config.API{ID: fmt.Sprintf("api%08d", i), OpenAPI: name})
	}
	in, err := buildInput(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range in.APIs {
		if id, key := a.Definition.API.APIID, a.Definition.Routes[0].RouteKey; id != fmt.Sprintf("api%08d", i) || key != fmt.Sprintf("GET /p%d", i) {
			t.Errorf("APIs[%d] = %s with %s", i, id, key)
		}
	}
	for _, i := range []int{9, 5} {
		if err := os.WriteFile(cfg.APIs[i].OpenAPI, []byte("openapi: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := buildInput(cfg); err == nil || !strings.HasPrefix(err.Error(), "api api00000005: ") {
		t.Errorf("error %v; want the error of api00000005, the first failing one", err)
	}
}
