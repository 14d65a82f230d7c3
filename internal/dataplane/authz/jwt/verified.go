package jwt

import (
	"crypto/rsa"
	"crypto/sha256"
	"sync"

	"github.com/apigwdev/apigw/internal/invoke"
)

// DefaultVerifiedCacheSize bounds the tokens an Authorizer remembers as
// signature-verified (Config.VerifiedCacheSize).
const DefaultVerifiedCacheSize = 10000

// verifiedCache remembers tokens whose RSA signature verified, so that a
// token presented again skips the signature check (the costliest step of
// Authorize). It is keyed by the SHA-256 of the token; the token itself is
// never stored. An entry only stands in for the signature check: every
// other check (the keys' availability and lifetime, iss, aud, exp, nbf, iat
// against the clock, scopes) runs again on each request, on the claim
// values the entry extracted once, and a request that passes gets the
// entry's authorizer context, also built once.
//
// An entry records the exact keys (by pointer) the token was verified with.
// Cache.Keys returns new pointers after every fetch of the key set, so an
// entry is used only while the key set it was verified against is still the
// issuer's current one: a refresh (after the 2 h key lifetime, or on an
// unknown kid), a rotation, a removal or a Reset makes the next request
// verify the signature again, and a key that is gone refuses the token as
// before.
//
// Entries are dropped once the token is past exp (plus leeway), and the
// cache holds at most max entries (random eviction when full). It is safe
// for concurrent use.
type verifiedCache struct {
	max int

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]*verifiedEntry // guarded by mu
}

// verifiedEntry is one verified token. Its fields are never modified after
// it is stored; facts and the contexts are shared by concurrent readers and
// must not be written to. An entry is built with its Authorizer's Options
// (the scope claim preference), so a cache serves one Authorizer, or ones
// with the same Options.
type verifiedEntry struct {
	alg, kid string
	// keys are the verification keys Authorize tried (all with kid and a
	// compatible alg), from one fetch of the key set.
	keys []*rsa.PublicKey
	// facts are what the claim and scope checks read from the claims.
	facts claimFacts
	// context and scopedContext are what Authorize returns for routes
	// without and with authorizationScopes: the claims rendered by
	// RenderClaims, and the token's scopes for the latter. Every
	// request presenting the token gets the same ones.
	context, scopedContext *invoke.AuthorizerContext
	// expires is exp plus the leeway, in seconds since the epoch: from then
	// on the token is refused and the entry is useless.
	expires float64
}

// claimFacts are the claims steps 6 to 10 of Authorize and the scope check
// read, extracted once from the verified claims. The checks themselves,
// against the clock and the route, run on every request.
type claimFacts struct {
	// iss and clientID are the iss and client_id claims, "" when absent or
	// not strings.
	iss, clientID string
	// auds are the string values of aud; audPresent reports the claim.
	auds       []string
	audPresent bool
	// exp, nbf and iat are NumericDate claims (numericDate): the value,
	// whether the claim is present, and whether it is a number.
	exp, nbf, iat                      float64
	expPresent, nbfPresent, iatPresent bool
	expOK, nbfOK, iatOK                bool
	// scopes are tokenScopes with the Authorizer's preference.
	scopes []string
}

// tokenKey returns the cache key of tok, its SHA-256. A token of up to 2 KB
// (most of them) is hashed from a copy on the stack: converting the string
// to a slice copies it to the heap, which cost half as much as the hash
// itself.
func tokenKey(tok string) [sha256.Size]byte {
	var buf [2 << 10]byte
	if len(tok) <= len(buf) {
		n := copy(buf[:], tok)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(tok))
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, entries: map[[sha256.Size]byte]*verifiedEntry{}}
}

// get returns the entry of the token hash, or nil. An entry past its expiry
// (now in seconds) is removed and not returned.
func (c *verifiedCache) get(h [sha256.Size]byte, now float64) *verifiedEntry {
	c.mu.RLock()
	e := c.entries[h]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	if !(now < e.expires) {
		c.remove(h, e)
		return nil
	}
	return e
}

// remove removes the entry of h if it is still e.
func (c *verifiedCache) remove(h [sha256.Size]byte, e *verifiedEntry) {
	c.mu.Lock()
	if c.entries[h] == e {
		delete(c.entries, h)
	}
	c.mu.Unlock()
}

// put stores e under h. When the cache is full it first drops expired
// entries among a few it looks at, then, if still full, random ones (map
// iteration order is random).
func (c *verifiedCache) put(h [sha256.Size]byte, e *verifiedEntry, now float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[h]; !ok && len(c.entries) >= c.max {
		looked := 0
		for k, old := range c.entries {
			if looked >= 8 {
				break
			}
			looked++
			if !(now < old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[h] = e
}

// len returns the number of entries.
func (c *verifiedCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
