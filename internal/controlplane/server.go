package controlplane

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/store"
)

// Defaults of Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	// DefaultPageSize is the page size of list operations called without
	// maxResults. AWS's default is not documented (undocumented by AWS; our choice: docs/compatibility.md#management-api); 100 keeps
	// un-paginated callers of small APIs complete.
	DefaultPageSize = 100
	// MaxPageSize caps maxResults (undocumented by AWS, our choice: docs/compatibility.md#management-api).
	MaxPageSize = 500
	// MaxBodyBytes bounds a request body (ImportApi carries whole OpenAPI
	// documents).
	MaxBodyBytes = 16 << 20
)

// Options configure a Handler.
type Options struct {
	// Store keeps the resources. Required.
	Store store.Store
	// Deployer compiles and serves what the store holds. If nil, changes
	// are stored and deployments recorded DEPLOYED, but nothing is served.
	Deployer Deployer
	// Region appears in ARNs and default endpoints; default us-east-1.
	Region string
	// AccountID appears in ARNs and messages; default 000000000000.
	AccountID string
	// APIEndpoint returns the apiEndpoint reported for an API. If nil,
	// AWS's form https://{apiId}.execute-api.{region}.amazonaws.com is used.
	APIEndpoint func(apiID string) string
	// ResetAuthorizersCache flushes the cached Lambda authorizer results of
	// a stage (ResetAuthorizersCache). If nil, the operation only checks
	// that the stage exists.
	ResetAuthorizersCache func(apiID, stageName string)
	// Truststore reads the mutual-TLS truststore a domain name's
	// truststoreUri stands for, returning AWS's truststoreWarnings for it,
	// or why it cannot be used (CreateDomainName and UpdateDomainName then
	// answer BadRequestException). If nil, every truststoreUri is refused:
	// mutual TLS is never stored without a truststore to enforce it.
	Truststore func(uri string) (warnings []string, err error)
	// Logger receives one line per failed request (the cause of 5xx
	// answers at error level, client errors at debug level). If nil,
	// slog.Default() is used.
	Logger *slog.Logger
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
}

// Deployer compiles the state of a store transaction into what the data
// plane serves: every API's stages with their deployments' definitions,
// the custom domains and their API mappings.
type Deployer interface {
	// Prepare compiles what changed names (the APIs and custom domains the
	// transaction wrote) as tx sees it, as if it were committed; a nil
	// changed means everything. It returns the function that installs the
	// result, or the reason that state cannot be served. Prepare must not
	// write to tx. install is called exactly once: with true after tx has
	// committed (when commits race, an install of an older revision than
	// one already installed must not undo the newer one), with false when
	// it did not commit, to release what Prepare opened.
	Prepare(tx store.Tx, changed *store.Changes) (install func(committed bool), err error)
}

// Handler serves the apigatewayv2 management API.
type Handler struct {
	store      store.Store
	deployer   Deployer
	region     string
	accountID  string
	endpoint   func(apiID string) string
	resetAuth  func(apiID, stageName string)
	truststore func(uri string) ([]string, error)
	log        *slog.Logger
	now        func() time.Time
	mux        *http.ServeMux
}

// New returns a Handler serving the operations of router.go.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("controlplane: Options.Store is required")
	}
	h := &Handler{
		store:      opts.Store,
		deployer:   opts.Deployer,
		region:     opts.Region,
		accountID:  opts.AccountID,
		endpoint:   opts.APIEndpoint,
		resetAuth:  opts.ResetAuthorizersCache,
		truststore: opts.Truststore,
		log:        opts.Logger,
		now:        opts.Now,
		mux:        http.NewServeMux(),
	}
	if h.region == "" {
		h.region = DefaultRegion
	}
	if h.accountID == "" {
		h.accountID = DefaultAccountID
	}
	if h.endpoint == nil {
		h.endpoint = func(apiID string) string {
			return "https://" + apiID + ".execute-api." + h.region + ".amazonaws.com"
		}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.routes()
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// operation is one management API handler.
type operation func(w http.ResponseWriter, r *http.Request) error

// handle registers op under pattern: it gives every response a request id
// and renders a returned error in AWS's shape.
func (h *Handler) handle(pattern string, op operation) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		id := awserr.SetRequestID(w)
		if err := op(w, r); err != nil {
			e := awserr.Write(w, storeError(err))
			if e.Status >= 500 {
				h.log.Error("management API request failed", "requestId", id, "method", r.Method, "path", r.URL.EscapedPath(), "err", err)
			} else {
				h.log.Debug("management API request refused", "requestId", id, "method", r.Method, "path", r.URL.EscapedPath(), "type", e.Type, "message", e.Message)
			}
		}
	})
}

// storeError maps the store's failures that a client can act on to AWS's
// exceptions: a write that kept conflicting with concurrent ones is 409
// ConflictException, as AWS answers concurrent changes; a store that
// cannot be reached is 503 ServiceUnavailableException (the SDKs retry
// both). Other errors are returned as they are.
func storeError(err error) error {
	var e *awserr.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		c := awserr.Conflict("Unable to complete operation due to concurrent modification. Please try again later.")
		c.Cause = err
		return c
	case errors.Is(err, store.ErrUnavailable):
		u := awserr.ServiceUnavailable("The management API is unavailable: its store cannot be reached. Please try again later.")
		u.Cause = err
		return u
	}
	return err
}

// timestamp is the current time as AWS reports it: UTC, whole seconds.
func (h *Handler) timestamp() *time.Time {
	t := h.now().UTC().Truncate(time.Second)
	return &t
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return awserr.Internal(fmt.Errorf("encoding response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// noContent answers 204 without a body.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readBody reads a request body of at most MaxBodyBytes; an empty body
// reads as "{}".
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, awserr.BadRequest("Unable to read the request body")
	}
	if len(b) > MaxBodyBytes {
		return nil, awserr.BadRequest("The request body is larger than %d bytes", MaxBodyBytes)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}"), nil
	}
	return b, nil
}

// decode reads the JSON request body into v. Unknown members are ignored,
// as the SDKs never send them; a member of the wrong JSON type is a
// BadRequestException naming it.
func decode(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return unmarshal(b, v)
}

func unmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return awserr.BadRequest("Invalid request body: %s must be of type %s", memberPath(te.Field), jsonType(te.Type.Kind().String()))
		}
		return awserr.BadRequest("Invalid request body: the body must be a JSON object")
	}
	return nil
}

// memberPath drops the names of embedded Go structs (capitalised) from a
// decoding error's field path, leaving the JSON member names.
func memberPath(field string) string {
	parts := strings.Split(field, ".")
	for len(parts) > 1 && parts[0] != "" && parts[0][0] >= 'A' && parts[0][0] <= 'Z' {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int32", "int64", "float64":
		return "number"
	case "slice":
		return "array"
	}
	return "object"
}

// members decodes a PATCH body into its members; members set to null are
// left out (the SDKs never send null; PATCH changes only the members
// present).
func members(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if string(bytes.TrimSpace(v)) == "null" {
			delete(m, k)
		}
	}
	return m, nil
}

// patch applies the present members of p among allowed to *v: each
// replaces the member of the same name wholesale. v is round-tripped
// through JSON, so it must be a pointer to a resource with JSON tags.
func patch(v any, p map[string]json.RawMessage, allowed ...string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return awserr.Internal(err)
	}
	var cur map[string]json.RawMessage
	if err := json.Unmarshal(b, &cur); err != nil {
		return awserr.Internal(err)
	}
	for _, k := range allowed {
		if raw, ok := p[k]; ok {
			cur[k] = raw
		}
	}
	b, err = json.Marshal(cur)
	if err != nil {
		return awserr.Internal(err)
	}
	return unmarshal(b, v)
}

// page reads maxResults and nextToken. The token is the opaque form of the
// last id of the previous page.
func page(r *http.Request) (after string, limit int, err error) {
	q := r.URL.Query()
	limit = DefaultPageSize
	if s := q.Get("maxResults"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 {
			return "", 0, awserr.BadRequest("Invalid maxResults %q: must be a positive integer", s)
		}
		limit = min(n, MaxPageSize)
	}
	if tok := q.Get("nextToken"); tok != "" {
		b, derr := base64.RawURLEncoding.DecodeString(tok)
		if derr != nil || len(b) == 0 {
			return "", 0, awserr.BadRequest("Invalid nextToken")
		}
		after = string(b)
	}
	return after, limit, nil
}

// pageOut is a list operation's answer.
type pageOut[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

func writePage[T any](w http.ResponseWriter, items []T, next string) error {
	if items == nil {
		items = []T{}
	}
	out := pageOut[T]{Items: items}
	if next != "" {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return writeJSON(w, http.StatusOK, out)
}

// idAlphabet is the alphabet of AWS's generated ids (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// Lengths of generated ids (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html; authorizer, API mapping
// and VPC link lengths are undocumented by AWS (our choice: docs/compatibility.md#management-api)).
const (
	apiIDLen         = 10
	routeIDLen       = 7
	integrationIDLen = 7
	deploymentIDLen  = 6
	authorizerIDLen  = 6
	apiMappingIDLen  = 6
	vpcLinkIDLen     = 7
)

// newID returns n random characters of idAlphabet.
func newID(n int) string {
	const limit = 256 - 256%len(idAlphabet) // reject bytes that would bias the result
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out)
}

// uniqueID returns a new id of n characters not yet used in c.
func uniqueID[T any](c store.Collection[T], n int) (string, error) {
	for {
		id := newID(n)
		ok, err := c.Has(id)
		if err != nil {
			return "", err
		}
		if !ok {
			return id, nil
		}
	}
}

// notFound maps store.ErrNotFound to the NotFoundException AWS sends for
// that resource, and passes other errors through.
func notFound(err error, msg func() *awserr.Error) error {
	if errors.Is(err, store.ErrNotFound) {
		return msg()
	}
	return err
}

func (h *Handler) apiNotFound(apiID string) *awserr.Error {
	return awserr.NotFound("", "Invalid API identifier specified %s:%s", h.accountID, apiID)
}

func ptr[T any](v T) *T { return &v }
