// Package issuer is the gateway's own OpenID Connect token issuer for
// development (issue 4, item 4): RSA keys generated once and kept in the data
// directory, an http.Handler serving the discovery document and the JWKS, and
// Mint, which signs tokens with the subject, audiences, scopes and claims a
// developer asks for. A JWT authorizer whose issuer is the local issuer's URL
// then verifies those tokens exactly as it verifies a real issuer's (package
// jwt): real RS256 signatures, discovery over HTTP, no shortcut.
//
// TokenCommand implements `apigw token`.
//
// The life of an Issuer:
//
//  1. Open loads the keys from {dataDir}/issuer, generating the first one
//     (RSA 2048, file mode 0600, directory 0700) if there is none. Two
//     processes opening the same directory at once agree on one key.
//  2. The admin listener mounts the Issuer (an http.Handler) at the issuer
//     URL's path, PathPrefix by default.
//  3. Mint signs tokens; Rotate makes a new signing key and keeps the
//     previous one published, so tokens already minted stay valid.
package issuer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// PathPrefix is the path the admin listener serves the issuer under; the
// issuer URL is then http://{admin address}/_issuer.
const PathPrefix = "/_issuer"

// DefaultIssuerURL is the issuer URL of a gateway with the default admin
// address (docs/configuration.md: adminListen 127.0.0.1:3300).
const DefaultIssuerURL = "http://127.0.0.1:3300" + PathPrefix

// KeyDir is the directory, inside the data directory, that holds the keys.
const KeyDir = "issuer"

// Files of the key directory.
const (
	currentKeyFile  = "signing-key.pem"
	previousKeyFile = "previous-key.pem"
)

// KeyBits is the size of generated RSA keys.
const KeyBits = 2048

// DefaultTTL is the lifetime of a minted token when MintOptions.TTL is zero.
const DefaultTTL = time.Hour

// Well-known paths, relative to the issuer URL.
const (
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/.well-known/jwks.json"
)

// Options configure an Issuer.
type Options struct {
	// Now returns the current time, for iat and exp. If nil, time.Now is
	// used.
	Now func() time.Time
	// NoCreate makes Open fail with ErrNoKey when the data directory holds
	// no key, instead of creating one (`apigw token`: a new key would sign
	// tokens that the gateway's key set does not hold).
	NoCreate bool
}

// ErrNoKey is Open's error, with Options.NoCreate, for a data directory
// without an issuer key.
var ErrNoKey = errors.New("no issuer key")

// Issuer is a local OIDC issuer. It is safe for concurrent use.
type Issuer struct {
	url  string
	path string // the issuer URL's path, without a trailing slash
	dir  string
	now  func() time.Time

	mu   sync.RWMutex
	keys []signingKey // guarded by mu; keys[0] signs, all are published
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// Open returns the issuer with the given URL (the iss of its tokens and the
// base of its discovery document), whose keys live in {dataDir}/issuer.
func Open(dataDir, issuerURL string, opts Options) (*Issuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("opening local issuer: issuer URL %q is not an absolute http(s) URL without query", issuerURL)
	}
	if dataDir == "" {
		return nil, errors.New("opening local issuer: no data directory")
	}
	is := &Issuer{
		url:  strings.TrimSuffix(issuerURL, "/"),
		path: strings.TrimSuffix(u.EscapedPath(), "/"),
		dir:  filepath.Join(dataDir, KeyDir),
		now:  opts.Now,
	}
	if is.now == nil {
		is.now = time.Now
	}
	if opts.NoCreate {
		if _, err := os.Stat(filepath.Join(is.dir, currentKeyFile)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("opening local issuer: %w in %s", ErrNoKey, is.dir)
		}
	}
	if err := os.MkdirAll(is.dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening local issuer: creating %s: %w", is.dir, err)
	}
	cur, err := loadKey(filepath.Join(is.dir, currentKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		cur, err = createKey(is.dir, currentKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("opening local issuer: %w", err)
	}
	is.keys = []signingKey{cur}
	prev, err := loadKey(filepath.Join(is.dir, previousKeyFile))
	switch {
	case err == nil:
		is.keys = append(is.keys, prev)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("opening local issuer: %w", err)
	}
	return is, nil
}

// URL returns the issuer URL: what a JWT authorizer's jwtConfiguration.issuer
// must be to accept the issuer's tokens.
func (is *Issuer) URL() string { return is.url }

// KeyID returns the kid of the current signing key.
func (is *Issuer) KeyID() string {
	is.mu.RLock()
	defer is.mu.RUnlock()
	return is.keys[0].kid
}

// loadKey reads a PKCS#8 PEM RSA private key, refusing a file that others
// than its owner can read.
func loadKey(path string) (signingKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return signingKey{}, fmt.Errorf("reading key %s: %w", path, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return signingKey{}, fmt.Errorf("key %s has mode %o; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return signingKey{}, fmt.Errorf("reading key %s: %w", path, err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return signingKey{}, fmt.Errorf("key %s is not a PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return signingKey{}, fmt.Errorf("parsing key %s: %w", path, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() < KeyBits {
		return signingKey{}, fmt.Errorf("key %s is not an RSA key of at least %d bits", path, KeyBits)
	}
	return signingKey{kid: thumbprint(&priv.PublicKey), priv: priv}, nil
}

// createKey generates a key and stores it as dir/name, unless another
// process stored one first, in which case that one is returned: the file
// appears complete or not at all (written under a temporary name, then
// hard-linked, which fails if the name exists).
func createKey(dir, name string) (signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return signingKey{}, fmt.Errorf("generating key: %w", err)
	}
	tmp, err := writeTemp(dir, priv)
	if err != nil {
		return signingKey{}, err
	}
	defer os.Remove(tmp)
	final := filepath.Join(dir, name)
	if err := os.Link(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(final)
		}
		return signingKey{}, fmt.Errorf("storing key %s: %w", final, err)
	}
	return signingKey{kid: thumbprint(&priv.PublicKey), priv: priv}, nil
}

// writeTemp writes priv as PKCS#8 PEM to a new 0600 file in dir.
func writeTemp(dir string, priv *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("encoding key: %w", err)
	}
	f, err := os.CreateTemp(dir, ".key-*.tmp")
	if err != nil {
		return "", fmt.Errorf("storing key: %w", err)
	}
	name := f.Name()
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("storing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("storing key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("storing key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("storing key: %w", err)
	}
	return name, nil
}

// Rotate generates a new signing key; the previous one stays published (and
// stored as previous-key.pem) so that tokens it signed still verify, and the
// one before it is dropped. Other processes sharing the directory see the new
// key when they Open it again.
func (is *Issuer) Rotate() error {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return fmt.Errorf("rotating local issuer key: %w", err)
	}
	tmp, err := writeTemp(is.dir, priv)
	if err != nil {
		return fmt.Errorf("rotating local issuer key: %w", err)
	}
	defer os.Remove(tmp)
	is.mu.Lock()
	defer is.mu.Unlock()
	cur := filepath.Join(is.dir, currentKeyFile)
	if err := os.Rename(cur, filepath.Join(is.dir, previousKeyFile)); err != nil {
		return fmt.Errorf("rotating local issuer key: %w", err)
	}
	if err := os.Rename(tmp, cur); err != nil {
		return fmt.Errorf("rotating local issuer key: %w", err)
	}
	is.keys = []signingKey{{kid: thumbprint(&priv.PublicKey), priv: priv}, is.keys[0]}
	return nil
}

// thumbprint is the RFC 7638 JWK thumbprint of an RSA public key, base64url:
// the key id of the issuer's keys.
func thumbprint(pub *rsa.PublicKey) string {
	canon := `{"e":"` + b64(big.NewInt(int64(pub.E)).Bytes()) + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is one published key.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS returns the issuer's key set document.
func (is *Issuer) JWKS() []byte {
	is.mu.RLock()
	keys := make([]jwk, 0, len(is.keys))
	for _, k := range is.keys {
		pub := &k.priv.PublicKey
		keys = append(keys, jwk{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: k.kid, N: b64(pub.N.Bytes()), E: b64(big.NewInt(int64(pub.E)).Bytes())})
	}
	is.mu.RUnlock()
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Discovery returns the issuer's OpenID Connect discovery document.
func (is *Issuer) Discovery() []byte {
	b, _ := json.Marshal(map[string]any{
		"issuer":                                is.url,
		"jwks_uri":                              is.url + jwksPath,
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "jti", "scope"},
	})
	return b
}

// ServeHTTP serves GET and HEAD of {issuer path}/.well-known/openid-configuration
// and {issuer path}/.well-known/jwks.json; every other request is 404 (405 for
// other methods on those paths). Mount it at the issuer URL's path, for
// example mux.Handle(PathPrefix+"/", issuer).
func (is *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	switch r.URL.Path {
	case is.path + discoveryPath:
		body = is.Discovery()
	case is.path + jwksPath:
		body = is.JWKS()
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// MintOptions describe a token to mint.
type MintOptions struct {
	// Subject is the sub claim; omitted when empty.
	Subject string
	// Audience is the aud claim: a string for one audience, an array for
	// several; omitted when empty (then a client_id claim in Claims can
	// stand for it, as in Cognito access tokens).
	Audience []string
	// Scopes become the space-delimited scope claim; omitted when empty.
	Scopes []string
	// Claims are added last and override any claim above, iss and exp
	// included (for testing refusals).
	Claims map[string]any
	// TTL is the token's lifetime: exp = now + TTL. Zero means DefaultTTL;
	// a negative TTL mints an expired token.
	TTL time.Duration
}

// Mint returns a token signed with RS256 by the current key, with iss, sub,
// aud, scope, iat, exp and a random jti, then Claims.
func (is *Issuer) Mint(opts MintOptions) (string, error) {
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	now := is.now()
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("minting token: %w", err)
	}
	claims := jwt.MapClaims{
		"iss": is.url,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
		"jti": hex.EncodeToString(jti[:]),
	}
	if opts.Subject != "" {
		claims["sub"] = opts.Subject
	}
	switch len(opts.Audience) {
	case 0:
	case 1:
		claims["aud"] = opts.Audience[0]
	default:
		claims["aud"] = opts.Audience
	}
	if len(opts.Scopes) > 0 {
		claims["scope"] = strings.Join(opts.Scopes, " ")
	}
	for k, v := range opts.Claims {
		claims[k] = v
	}
	is.mu.RLock()
	key := is.keys[0]
	is.mu.RUnlock()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = key.kid
	s, err := tok.SignedString(key.priv)
	if err != nil {
		return "", fmt.Errorf("minting token: %w", err)
	}
	return s, nil
}
