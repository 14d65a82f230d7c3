package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the store's file in the data directory.
const FileName = "apigw.db"

// Bolt is the embedded Store: one bbolt file, {dir}/apigw.db.
//
// Why bbolt rather than SQLite: it is pure Go (no cgo, so the binary stays
// static and cross-compiles), a single file with ACID transactions whose
// commit returns only after fsync (nothing acknowledged is lost in a crash;
// a torn write is never visible because bbolt switches meta pages
// atomically), and its model — one writer, many MVCC readers, sorted keys
// in nested buckets — is exactly the Store interface. SQL would buy
// nothing here: the control plane reads and writes whole resources by key.
//
// Layout: one top-level bucket per Kind, inside it one bucket per scope
// (named "s:" + scope, since bucket names cannot be empty), inside that id
// → JSON value; a "meta" bucket holds the revision as a big-endian uint64.
type Bolt struct {
	db  *bolt.DB
	rev atomic.Uint64

	mu       sync.Mutex
	watchers map[*watcher]struct{} // guarded by mu
	closed   bool                  // guarded by mu
}

type watcher struct {
	ch   chan uint64
	done func() bool
}

var (
	metaBucket = []byte("meta")
	revKey     = []byte("revision")
)

// initialMmapSize is the address space mapped for the file when it is
// opened (bbolt's InitialMmapSize): 256 MiB, far more than a store of
// thousands of routes needs, so that a growing file is never re-mapped.
// Every re-map copies each page a write transaction touched out of the old
// mapping (bbolt's dereference), which made one transaction importing
// 3,000 routes into a new store cost 40% more CPU than ten smaller ones; it
// also waits for read transactions. Mapped pages cost memory only once read
// (the file grows as written). On Windows, where bbolt grows the file to
// the mapped size, and on 32-bit platforms, short of address space, bbolt's
// default applies.
var initialMmapSize = func() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	return 256 << 20
}()

// Open opens (creating if needed) the store in dir, which is created with
// mode 0700 if missing. It waits at most one second for another process
// holding the file to let go.
func Open(dir string) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, InitialMmapSize: initialMmapSize})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("opening store %s: another process holds it", path)
		}
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s := &Bolt{db: db, watchers: make(map[*watcher]struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if v := b.Get(revKey); len(v) == 8 {
			s.rev.Store(binary.BigEndian.Uint64(v))
		}
		for _, k := range Kinds() {
			if _, err := tx.CreateBucketIfNotExists([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialising store %s: %w", path, err)
	}
	return s, nil
}

// Path returns the store's file.
func (s *Bolt) Path() string { return s.db.Path() }

// View implements Store.
func (s *Bolt) View(fn func(Tx) error) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		return fn(&boltTx{tx: tx, rev: readRev(tx)})
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Update implements Store.
func (s *Bolt) Update(fn func(Tx) error) error {
	var rev uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		rev = readRev(tx) + 1
		if err := fn(&boltTx{tx: tx, rev: rev}); err != nil {
			return err
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], rev)
		return tx.Bucket(metaBucket).Put(revKey, b[:])
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return err
	}
	for {
		cur := s.rev.Load()
		if rev <= cur || s.rev.CompareAndSwap(cur, rev) {
			break
		}
	}
	s.notify()
	return nil
}

func readRev(tx *bolt.Tx) uint64 {
	if v := tx.Bucket(metaBucket).Get(revKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Revision implements Store.
func (s *Bolt) Revision() uint64 { return s.rev.Load() }

// Watch implements Store.
func (s *Bolt) Watch(ctx context.Context) <-chan uint64 {
	w := &watcher{ch: make(chan uint64, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(w.ch)
		return w.ch
	}
	s.watchers[w] = struct{}{}
	w.done = context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.watchers[w]; ok {
			delete(s.watchers, w)
			close(w.ch)
		}
	})
	return w.ch
}

// notify hands the latest revision to every watcher, replacing an unread
// older value. Reading the revision under mu keeps what each watcher
// receives increasing.
func (s *Bolt) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	rev := s.rev.Load()
	for w := range s.watchers {
		select {
		case <-w.ch:
		default:
		}
		w.ch <- rev
	}
}

// Close implements Store.
func (s *Bolt) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for w := range s.watchers {
			w.done()
			close(w.ch)
		}
		clear(s.watchers)
	}
	s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// boltTx implements Tx on a bbolt transaction.
type boltTx struct {
	tx  *bolt.Tx
	rev uint64
}

// Revision implements Tx.
func (t *boltTx) Revision() uint64 { return t.rev }

// Writable implements Tx.
func (t *boltTx) Writable() bool { return t.tx.Writable() }

func scopeName(scope string) []byte { return []byte("s:" + scope) }

// scope returns the bucket of (kind, scope), creating it when create is
// set; nil when it does not exist.
func (t *boltTx) scope(kind Kind, scope string, create bool) (*bolt.Bucket, error) {
	kb := t.tx.Bucket([]byte(kind))
	if kb == nil {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	if create {
		return kb.CreateBucketIfNotExists(scopeName(scope))
	}
	return kb.Bucket(scopeName(scope)), nil
}

// Get implements Tx.
func (t *boltTx) Get(kind Kind, scope, id string) ([]byte, error) {
	b, err := t.scope(kind, scope, false)
	if err != nil {
		return nil, err
	}
	var v []byte
	if b != nil && id != "" {
		v = b.Get([]byte(id))
	}
	if v == nil {
		return nil, fmt.Errorf("%s %q: %w", kind, id, ErrNotFound)
	}
	return v, nil
}

// Put implements Tx.
func (t *boltTx) Put(kind Kind, scope, id string, value []byte) error {
	if !t.tx.Writable() {
		return ErrReadOnly
	}
	if id == "" {
		return fmt.Errorf("putting %s: empty id", kind)
	}
	b, err := t.scope(kind, scope, true)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), value)
}

// Delete implements Tx.
func (t *boltTx) Delete(kind Kind, scope, id string) error {
	if !t.tx.Writable() {
		return ErrReadOnly
	}
	b, err := t.scope(kind, scope, false)
	if err != nil {
		return err
	}
	if b == nil || id == "" || b.Get([]byte(id)) == nil {
		return fmt.Errorf("%s %q: %w", kind, id, ErrNotFound)
	}
	return b.Delete([]byte(id))
}

// DeleteScope implements Tx.
func (t *boltTx) DeleteScope(kind Kind, scope string) error {
	if !t.tx.Writable() {
		return ErrReadOnly
	}
	kb := t.tx.Bucket([]byte(kind))
	if kb == nil {
		return fmt.Errorf("unknown kind %q", kind)
	}
	err := kb.DeleteBucket(scopeName(scope))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// List implements Tx.
func (t *boltTx) List(kind Kind, scope, after string, fn func(id string, value []byte) bool) error {
	b, err := t.scope(kind, scope, false)
	if err != nil || b == nil {
		return err
	}
	c := b.Cursor()
	var k, v []byte
	if after == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		if !fn(string(k), v) {
			return nil
		}
	}
	return nil
}

// Interface guards.
var (
	_ Store = (*Bolt)(nil)
	_ Tx    = (*boltTx)(nil)
)
