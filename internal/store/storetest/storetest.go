// Package storetest is the conformance suite every store.Store
// implementation must pass: CRUD, scope isolation, rollback of a failed or
// panicking Update, read-only views, listing order and pagination,
// revisions, Watch, persistence across a reopen, and consistent snapshots
// for readers running alongside a writer.
//
// An implementation's test calls
//
//	storetest.Run(t, func(t *testing.T, dir string) store.Store { ... })
//
// where the function opens the store kept in dir: called twice with the
// same dir (after Close), it must give back the same data.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// Opener opens the store kept in dir. The suite closes what it opens.
type Opener func(t *testing.T, dir string) store.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"CRUD", testCRUD},
		{"ScopesAndKindsAreIsolated", testIsolation},
		{"DeleteScopeAndCascade", testCascade},
		{"FailedUpdateRollsBack", testRollback},
		{"PanickingUpdateRollsBack", testPanic},
		{"ViewIsReadOnly", testReadOnly},
		{"ListingOrderAndPages", testListing},
		{"Revisions", testRevisions},
		{"Watch", testWatch},
		{"ReopenKeepsData", testReopen},
		{"ConcurrentReadersWithWriter", testConcurrent},
		{"ClosedStore", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

func openNew(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := open(t, t.TempDir())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.View(fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func testCRUD(t *testing.T, open Opener) {
	s := openNew(t, open)
	route := model.Route{RouteID: "abc1234", RouteKey: "GET /pets/{id}", Target: "integrations/xyz9876", AuthorizationType: model.AuthNone}
	update(t, s, func(tx store.Tx) error {
		return store.Routes(tx, "api1").Put(route.RouteID, &route)
	})
	view(t, s, func(tx store.Tx) error {
		got, err := store.Routes(tx, "api1").Get("abc1234")
		if err != nil {
			return err
		}
		if got.RouteKey != route.RouteKey || got.Target != route.Target {
			t.Errorf("Get = %+v; want %+v", got, route)
		}
		if ok, err := store.Routes(tx, "api1").Has("abc1234"); !ok || err != nil {
			t.Errorf("Has = %v, %v; want true", ok, err)
		}
		if _, err := store.Routes(tx, "api1").Get("missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(missing) error = %v; want ErrNotFound", err)
		}
		if ok, err := store.Routes(tx, "api1").Has("missing"); ok || err != nil {
			t.Errorf("Has(missing) = %v, %v; want false, nil", ok, err)
		}
		return nil
	})
	route.RouteKey = "GET /cats"
	update(t, s, func(tx store.Tx) error { return store.Routes(tx, "api1").Put(route.RouteID, &route) })
	view(t, s, func(tx store.Tx) error {
		got, err := store.Routes(tx, "api1").Get("abc1234")
		if err == nil && got.RouteKey != "GET /cats" {
			t.Errorf("after replace, routeKey = %q; want GET /cats", got.RouteKey)
		}
		n, _ := store.Routes(tx, "api1").Count()
		if n != 1 {
			t.Errorf("Count = %d; want 1", n)
		}
		return err
	})
	update(t, s, func(tx store.Tx) error { return store.Routes(tx, "api1").Delete("abc1234") })
	err := s.Update(func(tx store.Tx) error { return store.Routes(tx, "api1").Delete("abc1234") })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete error = %v; want ErrNotFound", err)
	}
	view(t, s, func(tx store.Tx) error {
		if _, err := store.Routes(tx, "api1").Get("abc1234"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after Delete error = %v; want ErrNotFound", err)
		}
		return nil
	})
}

func testIsolation(t *testing.T, open Opener) {
	s := openNew(t, open)
	update(t, s, func(tx store.Tx) error {
		for _, k := range []store.Kind{store.KindRoute, store.KindIntegration} {
			for _, scope := range []string{"a", "b", ""} {
				if err := tx.Put(k, scope, "same", []byte(`"`+string(k)+"/"+scope+`"`)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for _, k := range []store.Kind{store.KindRoute, store.KindIntegration} {
			for _, scope := range []string{"a", "b", ""} {
				v, err := tx.Get(k, scope, "same")
				if err != nil {
					return err
				}
				if want := `"` + string(k) + "/" + scope + `"`; string(v) != want {
					t.Errorf("Get(%s, %q) = %s; want %s", k, scope, v, want)
				}
			}
		}
		if _, err := tx.Get(store.KindStage, "a", "same"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other kind: error = %v; want ErrNotFound", err)
		}
		if _, err := tx.Get(store.KindRoute, "c", "same"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other scope: error = %v; want ErrNotFound", err)
		}
		return nil
	})
}

func testCascade(t *testing.T, open Opener) {
	s := openNew(t, open)
	update(t, s, func(tx store.Tx) error {
		for _, id := range []string{"api1", "api2"} {
			api := model.API{APIID: id, Name: id, ProtocolType: model.ProtocolHTTP}
			if err := store.APIs(tx).Put(id, &api); err != nil {
				return err
			}
			if err := store.APIMetas(tx).Put(id, &store.APIMeta{FromConfig: true}); err != nil {
				return err
			}
			r := model.Route{RouteID: "r1", RouteKey: "$default"}
			if err := store.Routes(tx, id).Put("r1", &r); err != nil {
				return err
			}
			st := model.Stage{StageName: "$default"}
			if err := store.Stages(tx, id).Put("$default", &st); err != nil {
				return err
			}
			d := store.Deployment{Deployment: model.Deployment{DeploymentID: "d1"}, Definition: &model.Definition{API: api, Routes: []model.Route{r}}}
			if err := store.Deployments(tx, id).Put("d1", &d); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return store.DeleteAPI(tx, "api1") })
	view(t, s, func(tx store.Tx) error {
		for _, k := range []store.Kind{store.KindRoute, store.KindStage, store.KindDeployment} {
			n := 0
			if err := tx.List(k, "api1", "", func(string, []byte) bool { n++; return true }); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("%s of deleted api: %d left", k, n)
			}
		}
		if ok, _ := store.APIMetas(tx).Has("api1"); ok {
			t.Error("meta of deleted api left")
		}
		d, err := store.LoadDefinition(tx, "api2")
		if err != nil {
			return err
		}
		if len(d.Routes) != 1 {
			t.Errorf("other api lost its routes: %+v", d)
		}
		dep, err := store.Deployments(tx, "api2").Get("d1")
		if err != nil {
			return err
		}
		if dep.Definition == nil || len(dep.Definition.Routes) != 1 || dep.DeploymentID != "d1" {
			t.Errorf("deployment round trip: %+v", dep)
		}
		return nil
	})
	if err := s.Update(func(tx store.Tx) error { return store.DeleteAPI(tx, "api1") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAPI of a missing api: %v; want ErrNotFound", err)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteScope(store.KindRoute, "never-existed") })
}

var errBoom = errors.New("boom")

func testRollback(t *testing.T, open Opener) {
	s := openNew(t, open)
	update(t, s, func(tx store.Tx) error { return tx.Put(store.KindVpcLink, "", "keep", []byte(`1`)) })
	rev := s.Revision()
	err := s.Update(func(tx store.Tx) error {
		if err := tx.Put(store.KindVpcLink, "", "new", []byte(`2`)); err != nil {
			return err
		}
		if err := tx.Delete(store.KindVpcLink, "", "keep"); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if _, err := tx.Get(store.KindVpcLink, "", "new"); err != nil {
			t.Errorf("read-your-writes: %v", err)
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update error = %v; want the function's error", err)
	}
	checkUntouched(t, s, rev)
}

func testPanic(t *testing.T, open Opener) {
	s := openNew(t, open)
	update(t, s, func(tx store.Tx) error { return tx.Put(store.KindVpcLink, "", "keep", []byte(`1`)) })
	rev := s.Revision()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		_ = s.Update(func(tx store.Tx) error {
			_ = tx.Put(store.KindVpcLink, "", "new", []byte(`2`))
			_ = tx.Delete(store.KindVpcLink, "", "keep")
			panic("boom")
		})
	}()
	checkUntouched(t, s, rev)
	// The store still works.
	update(t, s, func(tx store.Tx) error { return tx.Put(store.KindVpcLink, "", "after", []byte(`3`)) })
}

func checkUntouched(t *testing.T, s store.Store, rev uint64) {
	t.Helper()
	if got := s.Revision(); got != rev {
		t.Errorf("revision after a failed Update = %d; want %d", got, rev)
	}
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.Get(store.KindVpcLink, "", "keep"); err != nil {
			t.Errorf("deleted value survived the rollback? Get(keep): %v", err)
		}
		if _, err := tx.Get(store.KindVpcLink, "", "new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("written value kept after rollback: %v", err)
		}
		if tx.Revision() != rev {
			t.Errorf("View revision = %d; want %d", tx.Revision(), rev)
		}
		return nil
	})
}

func testReadOnly(t *testing.T, open Opener) {
	s := openNew(t, open)
	view(t, s, func(tx store.Tx) error {
		if tx.Writable() {
			t.Error("View transaction is writable")
		}
		if err := tx.Put(store.KindAPI, "", "x", []byte(`{}`)); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Put in View: %v; want ErrReadOnly", err)
		}
		if err := tx.Delete(store.KindAPI, "", "x"); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Delete in View: %v; want ErrReadOnly", err)
		}
		if err := tx.DeleteScope(store.KindRoute, "x"); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("DeleteScope in View: %v; want ErrReadOnly", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if !tx.Writable() {
			t.Error("Update transaction is not writable")
		}
		return nil
	})
}

func testListing(t *testing.T, open Opener) {
	s := openNew(t, open)
	var ids []string
	for i := range 57 {
		ids = append(ids, fmt.Sprintf("%c%02d", 'a'+rune(i%26), i))
	}
	shuffled := slices.Clone(ids)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	update(t, s, func(tx store.Tx) error {
		for _, id := range shuffled {
			in := model.Integration{IntegrationID: id, IntegrationType: model.IntegrationHTTPProxy}
			if err := store.Integrations(tx, "api").Put(id, &in); err != nil {
				return err
			}
		}
		return nil
	})
	slices.Sort(ids)
	view(t, s, func(tx store.Tx) error {
		all, err := store.Integrations(tx, "api").List()
		if err != nil {
			return err
		}
		var got []string
		for _, in := range all {
			got = append(got, in.IntegrationID)
		}
		if !slices.Equal(got, ids) {
			t.Errorf("List order = %v; want %v", got, ids)
		}
		// Pages of 10 cover everything once, in order.
		var paged []string
		after, pages := "", 0
		for {
			items, next, err := store.Integrations(tx, "api").Page(after, 10)
			if err != nil {
				return err
			}
			pages++
			for _, in := range items {
				paged = append(paged, in.IntegrationID)
			}
			if next == "" {
				break
			}
			after = next
		}
		if !slices.Equal(paged, ids) || pages != 6 {
			t.Errorf("pages = %d, ids = %v; want 6 pages of %v", pages, paged, ids)
		}
		// An exact page leaves no next token.
		if items, next, _ := store.Integrations(tx, "api").Page(ids[46], 10); len(items) != 10 || next != "" {
			t.Errorf("last exact page: %d items, next %q; want 10 and none", len(items), next)
		}
		// after need not exist.
		var fromMid []string
		_ = tx.List(store.KindIntegration, "api", ids[10]+"~", func(id string, _ []byte) bool {
			fromMid = append(fromMid, id)
			return len(fromMid) < 3
		})
		if !slices.Equal(fromMid, ids[11:14]) {
			t.Errorf("List after a missing id, stopped at 3 = %v; want %v", fromMid, ids[11:14])
		}
		// An empty or missing scope lists nothing.
		if items, next, err := store.Integrations(tx, "nope").Page("", 10); len(items) != 0 || next != "" || err != nil {
			t.Errorf("missing scope: %v %q %v", items, next, err)
		}
		return nil
	})
}

func testRevisions(t *testing.T, open Opener) {
	s := openNew(t, open)
	if got := s.Revision(); got != 0 {
		t.Errorf("new store revision = %d; want 0", got)
	}
	for i := 1; i <= 3; i++ {
		update(t, s, func(tx store.Tx) error {
			if tx.Revision() != uint64(i) {
				t.Errorf("Update %d sees revision %d; want %d", i, tx.Revision(), i)
			}
			return tx.Put(store.KindAPI, "", "x", []byte(strconv.Itoa(i)))
		})
		if got := s.Revision(); got != uint64(i) {
			t.Errorf("after Update %d revision = %d", i, got)
		}
	}
	_ = s.Update(func(store.Tx) error { return errBoom })
	view(t, s, func(tx store.Tx) error {
		if tx.Revision() != 3 {
			t.Errorf("View revision = %d; want 3", tx.Revision())
		}
		return nil
	})
}

func testWatch(t *testing.T, open Opener) {
	s := openNew(t, open)
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Watch(ctx)
	for range 5 {
		update(t, s, func(tx store.Tx) error { return tx.Put(store.KindAPI, "", "x", []byte(`1`)) })
	}
	select {
	case rev := <-ch:
		if rev != 5 {
			t.Errorf("coalesced watch value = %d; want 5", rev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no watch notification")
	}
	update(t, s, func(tx store.Tx) error { return nil })
	select {
	case rev := <-ch:
		if rev != 6 {
			t.Errorf("watch value = %d; want 6", rev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no watch notification for an empty commit")
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch channel not closed after cancel")
		}
	}
}

func testReopen(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	api := model.API{APIID: "persist001", Name: "kept", ProtocolType: model.ProtocolHTTP, Tags: map[string]string{"k": "v"}}
	update(t, s, func(tx store.Tx) error { return store.APIs(tx).Put(api.APIID, &api) })
	update(t, s, func(tx store.Tx) error {
		return store.VpcLinks(tx).Put("vl1", &model.VpcLink{VpcLinkID: "vl1", Name: "l", SubnetIDs: []string{"s"}})
	})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = open(t, dir)
	defer s.Close()
	if got := s.Revision(); got != 2 {
		t.Errorf("revision after reopen = %d; want 2", got)
	}
	view(t, s, func(tx store.Tx) error {
		got, err := store.APIs(tx).Get("persist001")
		if err != nil {
			return err
		}
		if got.Name != "kept" || got.Tags["k"] != "v" {
			t.Errorf("after reopen: %+v", got)
		}
		_, err = store.VpcLinks(tx).Get("vl1")
		return err
	})
	update(t, s, func(tx store.Tx) error {
		if tx.Revision() != 3 {
			t.Errorf("first Update after reopen commits revision %d; want 3", tx.Revision())
		}
		return nil
	})
}

// testConcurrent runs readers against a writer that keeps two values equal
// in every commit: a reader must never see them differ, and must never see
// the revision go back.
func testConcurrent(t *testing.T, open Opener) {
	s := openNew(t, open)
	const writes = 200
	write := func(i int) error {
		return s.Update(func(tx store.Tx) error {
			v := []byte(strconv.Itoa(i))
			if err := tx.Put(store.KindRoute, "api", "a", v); err != nil {
				return err
			}
			return tx.Put(store.KindIntegration, "api", "b", v)
		})
	}
	if err := write(0); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := s.View(func(tx store.Tx) error {
					a, err := tx.Get(store.KindRoute, "api", "a")
					if err != nil {
						return err
					}
					a = slices.Clone(a)
					b, err := tx.Get(store.KindIntegration, "api", "b")
					if err != nil {
						return err
					}
					if string(a) != string(b) {
						return fmt.Errorf("torn read: a=%s b=%s", a, b)
					}
					if tx.Revision() < last {
						return fmt.Errorf("revision went back from %d to %d", last, tx.Revision())
					}
					last = tx.Revision()
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 1; i <= writes; i++ {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := s.Revision(); got != writes+1 {
		t.Errorf("revision = %d; want %d", got, writes+1)
	}
}

func testClosed(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ch := s.Watch(context.Background())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close: %v; want ErrClosed", err)
	}
	if err := s.Update(func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close: %v; want ErrClosed", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("watch channel delivered a value after Close")
		}
	case <-time.After(5 * time.Second):
		t.Error("watch channel not closed by Close")
	}
}
