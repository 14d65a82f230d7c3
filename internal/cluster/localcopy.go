package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/apigwdev/apigw/internal/store"
	"github.com/apigwdev/apigw/internal/store/etcd"
)

// CopyFileName is the local copy's file in the data directory.
const CopyFileName = "cluster-copy.db"

// localCopy is a node's copy of the last revision it served, in a bbolt
// file of its data dir: the resources' etcd keys and values, and the
// revision. A node that starts while etcd is unreachable serves it.
type localCopy struct {
	db *bolt.DB
}

var (
	kvBucket   = []byte("kv")
	metaBucket = []byte("meta")
	keyPrefix  = []byte("prefix")
	keyRev     = []byte("rev")
	keyEtcdRev = []byte("etcdRev")
)

func openCopy(dir string) (*localCopy, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, CopyFileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("opening the cluster's local copy %s: another process holds it", path)
		}
		return nil, fmt.Errorf("opening the cluster's local copy %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(kvBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(metaBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialising %s: %w", path, err)
	}
	return &localCopy{db: db}, nil
}

// meta returns the prefix and revisions of the copy; rev 0 for none.
func (c *localCopy) meta() (prefix string, rev uint64, etcdRev int64) {
	_ = c.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(metaBucket)
		prefix = string(m.Get(keyPrefix))
		if v := m.Get(keyRev); len(v) == 8 {
			rev = binary.BigEndian.Uint64(v)
		}
		if v := m.Get(keyEtcdRev); len(v) == 8 {
			etcdRev = int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return prefix, rev, etcdRev
}

func putMeta(tx *bolt.Tx, prefix string, rev uint64, etcdRev int64) error {
	m := tx.Bucket(metaBucket)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], rev)
	if err := m.Put(keyRev, b[:]); err != nil {
		return err
	}
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], uint64(etcdRev))
	if err := m.Put(keyEtcdRev, e[:]); err != nil {
		return err
	}
	return m.Put(keyPrefix, []byte(prefix))
}

// replace makes the copy hold exactly what st held at etcdRev.
func (c *localCopy) replace(st *etcd.Store, rev uint64, etcdRev int64) error {
	return c.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(kvBucket); err != nil {
			return err
		}
		b, err := tx.CreateBucket(kvBucket)
		if err != nil {
			return err
		}
		var perr error
		err = st.Dump(etcdRev, func(k string, v []byte) bool {
			perr = b.Put([]byte(k), v)
			return perr == nil
		})
		if err == nil {
			err = perr
		}
		if err != nil {
			return err
		}
		return putMeta(tx, st.Prefix(), rev, etcdRev)
	})
}

// apply records one revision's writes (nil values are deletions).
func (c *localCopy) apply(prefix string, rev uint64, etcdRev int64, writes map[string][]byte) error {
	return c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(kvBucket)
		for k, v := range writes {
			var err error
			if v == nil {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		return putMeta(tx, prefix, rev, etcdRev)
	})
}

// view runs fn in a read-only store transaction over the copy.
func (c *localCopy) view(fn func(store.Tx) error) error {
	return c.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(metaBucket)
		var rev uint64
		if v := m.Get(keyRev); len(v) == 8 {
			rev = binary.BigEndian.Uint64(v)
		}
		return fn(etcd.NewView(copyReader{tx.Bucket(kvBucket)}, string(m.Get(keyPrefix)), rev))
	})
}

func (c *localCopy) close() error { return c.db.Close() }

// copyReader reads the copy's keys in a bbolt transaction.
type copyReader struct{ b *bolt.Bucket }

func (r copyReader) Get(key string) ([]byte, bool, error) {
	v := r.b.Get([]byte(key))
	return v, v != nil, nil
}

func (r copyReader) List(prefix, from string, fn func(string, []byte) bool) error {
	c := r.b.Cursor()
	for k, v := c.Seek([]byte(from)); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == prefix; k, v = c.Next() {
		if !fn(string(k), v) {
			return nil
		}
	}
	return nil
}
