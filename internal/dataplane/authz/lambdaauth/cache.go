package lambdaauth

import (
	"container/list"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCacheEntries is the number of results a Cache keeps when NewCache is
// given no bound.
const DefaultCacheEntries = 10000

// Cache holds Lambda authorizer results for authorizerResultTtlInSeconds
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html). One Cache is meant to be shared by every
// Lambda authorizer of the gateway and to outlive snapshots; entries are
// keyed by API, stage, authorizer (its id and configuration, so a changed
// authorizer never sees results of its previous version), the function
// called, and the identity-source values. It is bounded (least recently used
// entries are dropped first) and safe for concurrent use.
type Cache struct {
	max int
	// shared, when set, shares results between the nodes of a cluster.
	shared atomic.Pointer[sharedBox]

	mu      sync.Mutex
	entries map[string]*list.Element // guarded by mu
	lru     *list.List               // guarded by mu; front is most recent; values are *cacheEntry
}

type cacheEntry struct {
	key        string
	apiID      string
	stage      string
	decision   *decision
	expiresAt  time.Time
	insertedAt time.Time
}

// Shared keeps authorizer results for every node of a cluster (Redis in
// cluster mode). Failures are misses: the authorizer is then invoked.
type Shared interface {
	// Get returns the function response cached under key for a stage.
	Get(ctx context.Context, apiID, stage, key string) ([]byte, bool)
	// Put caches a function response under key for ttl.
	Put(ctx context.Context, apiID, stage, key string, raw []byte, ttl time.Duration)
}

type sharedBox struct{ s Shared }

// Share makes the cache look results up in s when it has none, and store
// new ones there too.
func (c *Cache) Share(s Shared) { c.shared.Store(&sharedBox{s}) }

func (c *Cache) sharedStore() Shared {
	if c == nil {
		return nil
	}
	if b := c.shared.Load(); b != nil {
		return b.s
	}
	return nil
}

// NewCache returns an empty Cache keeping at most maxEntries results
// (DefaultCacheEntries if maxEntries <= 0).
func NewCache(maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	return &Cache{max: maxEntries, entries: map[string]*list.Element{}, lru: list.New()}
}

// cacheKey builds the key of one lookup. Every part is length-prefixed, so
// that no two different lists of values share a key (values may contain any
// separator).
func cacheKey(apiID, stage, authorizer, function string, values []string) string {
	var b strings.Builder
	for _, s := range append([]string{apiID, stage, authorizer, function}, values...) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// get returns the unexpired decision under key.
func (c *Cache) get(key string, now time.Time) (*decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expiresAt) || now.Before(e.insertedAt) {
		c.removeLocked(el)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.decision, true
}

// put stores d under key until now+ttl, dropping the least recently used
// entry when the cache is full.
func (c *Cache) put(key, apiID, stage string, d *decision, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.removeLocked(el)
	}
	e := &cacheEntry{key: key, apiID: apiID, stage: stage, decision: d, expiresAt: now.Add(ttl), insertedAt: now}
	c.entries[key] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		c.removeLocked(c.lru.Back())
	}
}

func (c *Cache) removeLocked(el *list.Element) {
	delete(c.entries, el.Value.(*cacheEntry).key)
	c.lru.Remove(el)
}

// Reset drops every cached result.
func (c *Cache) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]*list.Element{}
	c.lru.Init()
}

// ResetStage drops the cached results of one stage of an API: what
// ResetAuthorizersCache (DELETE /v2/apis/{apiId}/stages/{stageName}/cache/authorizers)
// does.
func (c *Cache) ResetStage(apiID, stage string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*cacheEntry); e.apiID == apiID && e.stage == stage {
			c.removeLocked(el)
		}
		el = next
	}
}

// Len returns the number of cached results (expired ones included until they
// are looked up or pushed out).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
