package etcd

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/apigwdev/apigw/internal/store"
)

// Reader reads one consistent state of the store's keys: etcd at one
// revision, or a node's local copy of it.
type Reader interface {
	// Get returns the value of key, and whether it exists.
	Get(key string) ([]byte, bool, error)
	// List calls fn for each key with prefix, from key from on (included),
	// in ascending order, until fn returns false.
	List(prefix, from string, fn func(key string, value []byte) bool) error
}

func (r *etcdReader) Get(key string) ([]byte, bool, error) { return r.get(key) }
func (r *etcdReader) List(prefix, from string, fn func(string, []byte) bool) error {
	return r.list(prefix, from, fn)
}

// NewView returns a read-only transaction over r, whose keys live under
// prefix, at store revision rev.
func NewView(r Reader, prefix string, rev uint64) store.Tx {
	return &tx{r: r, prefix: prefix, rev: rev}
}

// DataPrefix is the prefix of the resources' keys under a store prefix.
func DataPrefix(prefix string) string { return prefix + "d/" }

// Key returns the key of (kind, scope, id) under prefix. Scope and id are
// escaped ("%" and "/" only), so that a scope is a key prefix of its own.
func Key(prefix string, kind store.Kind, scope, id string) string {
	return scopePrefix(prefix, kind, scope) + escape(id)
}

func scopePrefix(prefix string, kind store.Kind, scope string) string {
	return DataPrefix(prefix) + string(kind) + "/" + escape(scope) + "/"
}

func escape(s string) string {
	if !strings.ContainsAny(s, "%/") {
		return s
	}
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(s)
}

// ParseKey returns the (kind, scope, id) of a resource key under prefix.
func ParseKey(prefix, key string) (kind store.Kind, scope, id string, ok bool) {
	rest, found := strings.CutPrefix(key, DataPrefix(prefix))
	if !found {
		return "", "", "", false
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) != 3 {
		return "", "", "", false
	}
	sc, err1 := url.PathUnescape(parts[1])
	i, err2 := url.PathUnescape(parts[2])
	if err1 != nil || err2 != nil {
		return "", "", "", false
	}
	return store.Kind(parts[0]), sc, i, true
}

// tx implements store.Tx over a Reader; an Update's writes are buffered in
// pending (nil for a deletion) and read back by later reads.
type tx struct {
	r        Reader
	prefix   string
	rev      uint64
	writable bool
	pending  map[string]*[]byte
	// err is the first error of the Reader: the caller reports the
	// transaction's failure as the store's.
	err  error
	done bool
}

func (t *tx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

// Revision implements store.Tx.
func (t *tx) Revision() uint64 { return t.rev }

// Writable implements store.Tx.
func (t *tx) Writable() bool { return t.writable }

func (t *tx) lookup(key string) ([]byte, bool, error) {
	if v, ok := t.pending[key]; ok {
		if v == nil {
			return nil, false, nil
		}
		return *v, true, nil
	}
	v, ok, err := t.r.Get(key)
	if err != nil {
		return nil, false, t.fail(err)
	}
	return v, ok, nil
}

// Get implements store.Tx.
func (t *tx) Get(kind store.Kind, scope, id string) ([]byte, error) {
	if id != "" {
		v, ok, err := t.lookup(Key(t.prefix, kind, scope, id))
		if err != nil {
			return nil, err
		}
		if ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s %q: %w", kind, id, store.ErrNotFound)
}

// Put implements store.Tx.
func (t *tx) Put(kind store.Kind, scope, id string, value []byte) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	if id == "" {
		return fmt.Errorf("putting %s: empty id", kind)
	}
	v := append([]byte(nil), value...)
	t.pending[Key(t.prefix, kind, scope, id)] = &v
	return nil
}

// Delete implements store.Tx.
func (t *tx) Delete(kind store.Kind, scope, id string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	key := Key(t.prefix, kind, scope, id)
	_, ok, err := t.lookup(key)
	if err != nil {
		return err
	}
	if id == "" || !ok {
		return fmt.Errorf("%s %q: %w", kind, id, store.ErrNotFound)
	}
	t.pending[key] = nil
	return nil
}

// DeleteScope implements store.Tx.
func (t *tx) DeleteScope(kind store.Kind, scope string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	var keys []string
	err := t.list(scopePrefix(t.prefix, kind, scope), "", func(key string, _ []byte) bool {
		keys = append(keys, key)
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		t.pending[k] = nil
	}
	return nil
}

// List implements store.Tx.
func (t *tx) List(kind store.Kind, scope, after string, fn func(id string, value []byte) bool) error {
	sp := scopePrefix(t.prefix, kind, scope)
	from := sp
	if after != "" {
		from = sp + escape(after) + "\x00"
	}
	return t.list(sp, from, func(key string, v []byte) bool {
		_, _, id, ok := ParseKey(t.prefix, key)
		if !ok {
			return true
		}
		return fn(id, v)
	})
}

// list merges the Reader's keys under prefix (from from on) with the
// pending writes, in key order.
func (t *tx) list(prefix, from string, fn func(key string, value []byte) bool) error {
	if from < prefix {
		from = prefix
	}
	var over []string
	for k := range t.pending {
		if strings.HasPrefix(k, prefix) && k >= from {
			over = append(over, k)
		}
	}
	sort.Strings(over)
	stopped := false
	// emitPending emits the pending keys before upTo.
	emitPending := func(upTo string) bool {
		for len(over) > 0 && over[0] < upTo {
			k := over[0]
			over = over[1:]
			if v := t.pending[k]; v != nil && !fn(k, *v) {
				return false
			}
		}
		return true
	}
	err := t.r.List(prefix, from, func(key string, v []byte) bool {
		if !emitPending(key) {
			stopped = true
			return false
		}
		if _, ok := t.pending[key]; ok {
			// Overridden by a pending write, emitted in its place.
			if len(over) > 0 && over[0] == key {
				over = over[1:]
				if pv := t.pending[key]; pv != nil && !fn(key, *pv) {
					stopped = true
					return false
				}
			}
			return true
		}
		if !fn(key, v) {
			stopped = true
			return false
		}
		return true
	})
	if err != nil {
		return t.fail(err)
	}
	if stopped {
		return nil
	}
	for _, k := range over {
		if v := t.pending[k]; v != nil && !fn(k, *v) {
			return nil
		}
	}
	return nil
}

// Interface guard.
var _ store.Tx = (*tx)(nil)
