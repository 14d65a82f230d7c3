package jwt

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits and lifetimes of key discovery (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html and the
// quotas of ).
const (
	// FetchTimeout bounds each of the two fetches, the OpenID Connect
	// discovery document and the JWKS: AWS's 1500 ms quotas.
	FetchTimeout = 1500 * time.Millisecond
	// MaxJWKSBytes is the largest JWKS (and discovery document) accepted:
	// AWS's 150000-byte quota. A larger one is a failed fetch.
	MaxJWKSBytes = 150000
	// DefaultKeyLifetime is how long fetched keys are used before they are
	// fetched again: "API Gateway can cache the public key for two hours"
	// . Past it, keys that cannot be fetched again are not used: every
	// token is refused until the issuer answers.
	DefaultKeyLifetime = 2 * time.Hour
	// DefaultRefreshInterval is the least time between two fetches caused
	// by tokens whose kid is not in the cached key set (AWS may not
	// refetch at all; a rate-limited refetch picks up rotated keys without
	// letting random kids hammer the issuer).
	DefaultRefreshInterval = 30 * time.Second
	// DefaultRetryInterval is the least time between fetches after one
	// failed: in between, tokens of the issuer are refused without trying.
	DefaultRetryInterval = 5 * time.Second
)

// Errors of key lookup, wrapped in the errors Cache.Keys returns.
var (
	// ErrKeysUnavailable means the issuer's keys could not be fetched (or
	// fetched keys are past their lifetime and could not be fetched again).
	ErrKeysUnavailable = errors.New("the issuer's signing keys are unavailable")
	// ErrUnknownKID means the key set has no usable key with the token's
	// kid, even after a refresh.
	ErrUnknownKID = errors.New("no signing key with the token's kid")
)

// CacheOptions configure a Cache. Zero values select the defaults.
type CacheOptions struct {
	// Client fetches discovery documents and key sets. If nil, a client
	// without a global timeout is used (each fetch has FetchTimeout).
	Client *http.Client
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives a record per fetch and per failed fetch, with the
	// issuer and the reason. If nil, nothing is logged.
	Logger *slog.Logger
	// KeyLifetime overrides DefaultKeyLifetime.
	KeyLifetime time.Duration
	// RefreshInterval overrides DefaultRefreshInterval.
	RefreshInterval time.Duration
	// RetryInterval overrides DefaultRetryInterval.
	RetryInterval time.Duration
	// FetchTimeout overrides FetchTimeout (tests).
	FetchTimeout time.Duration
}

// Cache holds the signing keys of JWT issuers, fetched through OpenID Connect
// discovery. One Cache is meant to be shared by every JWT authorizer of
// the gateway and to outlive snapshots, so that a redeployment does not
// refetch keys. It is safe for concurrent use; it starts no goroutines
// (fetches run on the goroutine of the request that needs them, and
// concurrent requests wait for the same fetch).
type Cache struct {
	client          *http.Client
	now             func() time.Time
	log             *slog.Logger
	lifetime        time.Duration
	refreshInterval time.Duration
	retryInterval   time.Duration
	timeout         time.Duration

	// sets holds a *keySet per issuer. A sync.Map, because every request
	// of a JWT route reads it and it changes only when an issuer is first
	// seen or on Reset.
	sets sync.Map
}

// keySet is one issuer's keys and the state of their fetching.
type keySet struct {
	mu          sync.Mutex
	keys        map[string][]Key // guarded by mu; nil until fetched
	fetched     time.Time        // guarded by mu
	lastAttempt time.Time        // guarded by mu
	lastErr     error            // guarded by mu
	inflight    *fetchCall       // guarded by mu
	// current is keys and fetched as last stored (under mu), for the
	// lock-free path of Cache.Keys: fresh keys with the kid.
	current atomic.Pointer[fetchedKeys]
}

// fetchedKeys is one fetch of a key set. It is never modified.
type fetchedKeys struct {
	keys    map[string][]Key
	fetched time.Time
}

type fetchCall struct{ done chan struct{} }

// Key is one usable signing key of a JWKS: an RSA public key with its kid
// and, when the JWK names one, its algorithm.
type Key struct {
	// KID is the JWK's kid.
	KID string
	// Alg is the JWK's alg (RS256, RS384 or RS512), "" when unspecified.
	Alg string
	// Public is the verification key.
	Public *rsa.PublicKey
}

// NewCache returns an empty Cache.
func NewCache(opts CacheOptions) *Cache {
	c := &Cache{
		client:          opts.Client,
		now:             opts.Now,
		log:             opts.Logger,
		lifetime:        opts.KeyLifetime,
		refreshInterval: opts.RefreshInterval,
		retryInterval:   opts.RetryInterval,
		timeout:         opts.FetchTimeout,
	}
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.lifetime <= 0 {
		c.lifetime = DefaultKeyLifetime
	}
	if c.refreshInterval <= 0 {
		c.refreshInterval = DefaultRefreshInterval
	}
	if c.retryInterval <= 0 {
		c.retryInterval = DefaultRetryInterval
	}
	if c.timeout <= 0 {
		c.timeout = FetchTimeout
	}
	return c
}

func (c *Cache) set(issuer string) *keySet {
	if ks, ok := c.sets.Load(issuer); ok {
		return ks.(*keySet)
	}
	ks, _ := c.sets.LoadOrStore(issuer, &keySet{})
	return ks.(*keySet)
}

// Keys returns the issuer's keys with the kid, fetching the key set when it
// has none, when its keys are past their lifetime, or, at most once per
// refresh interval, when the kid is unknown. Errors wrap
// ErrKeysUnavailable or ErrUnknownKID; a canceled ctx only stops this caller
// from waiting, never a fetch other requests wait for.
func (c *Cache) Keys(ctx context.Context, issuer, kid string) ([]Key, error) {
	ks := c.set(issuer)
	// The common case, without locks: fresh keys with the kid. Otherwise
	// the loop below decides under the lock.
	if cur := ks.current.Load(); cur != nil {
		if keys := cur.keys[kid]; len(keys) > 0 && c.now().Sub(cur.fetched) < c.lifetime {
			return keys, nil
		}
	}
	for attempt := 0; ; attempt++ {
		ks.mu.Lock()
		now := c.now()
		fresh := ks.keys != nil && now.Sub(ks.fetched) < c.lifetime
		switch {
		case fresh:
			if keys := ks.keys[kid]; len(keys) > 0 {
				ks.mu.Unlock()
				return keys, nil
			}
			if attempt > 0 || (ks.inflight == nil && now.Sub(ks.lastAttempt) < c.refreshInterval) {
				ks.mu.Unlock()
				return nil, fmt.Errorf("issuer %s: kid %q: %w", issuer, printable(kid), ErrUnknownKID)
			}
		case attempt > 0 || (ks.inflight == nil && ks.lastErr != nil && now.Sub(ks.lastAttempt) < c.retryInterval):
			err := ks.lastErr
			ks.mu.Unlock()
			if err == nil {
				err = errors.New("keys expired")
			}
			return nil, fmt.Errorf("issuer %s: %w: %w", issuer, ErrKeysUnavailable, err)
		}
		if f := ks.inflight; f != nil {
			ks.mu.Unlock()
			select {
			case <-f.done:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("issuer %s: waiting for the key set: %w: %w", issuer, ErrKeysUnavailable, context.Cause(ctx))
			}
		}
		f := &fetchCall{done: make(chan struct{})}
		ks.inflight, ks.lastAttempt = f, now
		ks.mu.Unlock()

		keys, err := c.fetch(context.WithoutCancel(ctx), issuer)

		ks.mu.Lock()
		if err != nil {
			ks.lastErr = err
			c.log.Warn("fetching JWT signing keys failed", "issuer", issuer, "error", err)
		} else {
			ks.keys, ks.fetched, ks.lastErr = keys, c.now(), nil
			ks.current.Store(&fetchedKeys{keys: ks.keys, fetched: ks.fetched})
			c.log.Debug("fetched JWT signing keys", "issuer", issuer, "kids", len(keys))
		}
		ks.inflight = nil
		close(f.done)
		ks.mu.Unlock()
	}
}

// Reset forgets every cached key set (for tests and operators; key sets are
// otherwise refreshed on their own).
func (c *Cache) Reset() {
	c.sets.Clear()
}

// DiscoveryURL returns the OpenID Connect discovery document URL of an
// issuer: the issuer with one trailing "/" removed, followed by
// /.well-known/openid-configuration (normalization undocumented by AWS, our choice: docs/compatibility.md#jwt, as
// suggested).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// fetch runs discovery then fetches the JWKS.
func (c *Cache) fetch(ctx context.Context, issuer string) (map[string][]Key, error) {
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := c.getJSON(ctx, DiscoveryURL(issuer), "discovery document", &disc); err != nil {
		return nil, err
	}
	u, err := url.Parse(disc.JWKSURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("discovery document: jwks_uri %q is not an absolute http(s) URL", printable(disc.JWKSURI))
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := c.getJSON(ctx, u.String(), "JWKS", &set); err != nil {
		return nil, err
	}
	if set.Keys == nil {
		return nil, fmt.Errorf("JWKS %s: no keys member", u)
	}
	keys := map[string][]Key{}
	for i, raw := range set.Keys {
		k, err := parseJWK(raw)
		if err != nil {
			c.log.Debug("skipping JWK", "issuer", issuer, "index", i, "reason", err)
			continue
		}
		keys[k.KID] = append(keys[k.KID], k)
	}
	return keys, nil
}

// getJSON GETs a JSON document of at most MaxJWKSBytes within the fetch
// timeout.
func (c *Cache) getJSON(ctx context.Context, target, what string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("fetching %s %s: %w", what, target, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching %s %s: %w", what, target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching %s %s: status %d", what, target, resp.StatusCode)
	}
	if resp.ContentLength > MaxJWKSBytes {
		return fmt.Errorf("fetching %s %s: %d bytes, more than %d", what, target, resp.ContentLength, MaxJWKSBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return fmt.Errorf("fetching %s %s: %w", what, target, err)
	}
	if len(body) > MaxJWKSBytes {
		return fmt.Errorf("fetching %s %s: more than %d bytes", what, target, MaxJWKSBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("fetching %s %s: %w", what, target, err)
	}
	return nil
}

// parseJWK returns the usable key of one JWK: kty RSA, use sig (or none),
// alg one of the accepted algorithms (or none), a non-empty kid, a modulus of
// at least 2048 bits and a valid public exponent. Other keys are skipped.
func parseJWK(raw json.RawMessage) (Key, error) {
	var j struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return Key{}, fmt.Errorf("decoding JWK: %w", err)
	}
	switch {
	case j.Kty != "RSA":
		return Key{}, fmt.Errorf("kty %q is not RSA", printable(j.Kty))
	case j.Use != "" && j.Use != "sig":
		return Key{}, fmt.Errorf("use %q is not sig", printable(j.Use))
	case j.Alg != "" && !acceptedAlg(j.Alg):
		return Key{}, fmt.Errorf("alg %q is not accepted", printable(j.Alg))
	case j.Kid == "":
		return Key{}, errors.New("no kid")
	}
	n, err := decodeBigInt(j.N)
	if err != nil || n.BitLen() < MinRSABits {
		return Key{}, fmt.Errorf("kid %q: modulus is not a valid RSA modulus of at least %d bits", printable(j.Kid), MinRSABits)
	}
	e, err := decodeBigInt(j.E)
	if err != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return Key{}, fmt.Errorf("kid %q: invalid public exponent", printable(j.Kid))
	}
	return Key{KID: j.Kid, Alg: j.Alg, Public: &rsa.PublicKey{N: n, E: int(e.Int64())}}, nil
}

// MinRSABits is the smallest RSA modulus accepted in a JWKS. AWS documents
// none; 2048 bits is what Cognito and every major issuer use, and smaller
// keys are not safe.
const MinRSABits = 2048

func decodeBigInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, errors.New("not base64url")
	}
	return new(big.Int).SetBytes(b), nil
}

// printable bounds and sanitizes a value from a token or a key set for logs.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}
