package deploy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func mustSync(t *testing.T, st store.Store, cfg *config.Config, in *compile.Input, logError func(string)) {
	t.Helper()
	if err := SyncConfig(st, cfg, in, nil, logError); err != nil {
		t.Fatal(err)
	}
}

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
	mustSync(t, st, cfg, configInput("api0000001", "api0000002", "api0000003"), logError)
	if got := st.Revision(); got != 1 {
		t.Errorf("revision after importing 3 APIs into a new store = %d; want 1 (one transaction)", got)
	}
	// A restart without api0000003 removes it, in one more commit.
	mustSync(t, st, cfg, configInput("api0000001", "api0000002"), logError)
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
	mustSync(t, st, &config.Config{}, configInput("api0000001", "api0000002", "api0000003"), func(m string) { logged = append(logged, m) })
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

// TestSyncConfigOnlyChanged checks that, in cluster mode, a node starting
// with the file the store already holds writes nothing.
func TestSyncConfigOnlyChanged(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &config.Config{VpcLinks: []config.VpcLink{{ID: "vl0001"}}}
	in := configInput("api0000002", "api0000001")
	in.APIs[0].Definition.Routes = append(in.APIs[0].Definition.Routes, model.Route{RouteID: "rte0000", RouteKey: "GET /y", AuthorizationType: model.AuthNone})
	in.APIs[0].Stages = append(in.APIs[0].Stages, compile.Stage{Stage: model.Stage{StageName: "beta"}})
	if err := SyncConfig(st, cfg, in, nil, func(m string) { t.Error(m) }, OnlyChanged()); err != nil {
		t.Fatal(err)
	}
	if err := SyncConfig(st, cfg, in, nil, func(m string) { t.Error(m) }, OnlyChanged()); err != nil {
		t.Fatal(err)
	}
	if got := st.Revision(); got != 1 {
		t.Errorf("revision after a second start with the same file = %d; want 1 (nothing written)", got)
	}
	in.APIs[1].Definition.Routes[0].RouteKey = "GET /changed"
	var logged []string
	if err := SyncConfig(st, cfg, in, nil, func(m string) { logged = append(logged, m) }, OnlyChanged()); err != nil {
		t.Fatal(err)
	}
	if st.Revision() != 2 || len(logged) != 1 || !strings.Contains(logged[0], "api api0000001: this node's config file declares it otherwise") {
		t.Errorf("after a changed file: revision %d, logged %q", st.Revision(), logged)
	}
}
