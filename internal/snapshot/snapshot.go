// Package snapshot holds the immutable, compiled form of everything the data
// plane serves: per API and stage, the route table, the routes' integrations
// (ready-to-call invokers), the CORS policy and the stage variables; per custom
// domain, its API mappings.
//
// A Snapshot is built completely by package compile and then only read: the
// data plane holds it in an atomic.Pointer and swaps in a new one on
// redeploy, so requests in flight finish on the snapshot they started on.
// Nothing in here has a mutex, and nothing may be modified after compile
// returns.
//
// Imports: the standard library plus the pure compiled-form packages
// (routekey, invoke), never the store or the control plane.
package snapshot

import (
	"context"
	"net/http"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/routekey"
)

// Snapshot is the complete served state of the gateway at one point in time.
type Snapshot struct {
	// Region and AccountID appear in ARNs and events.
	Region    string
	AccountID string
	// APIs maps an API id to its served form.
	APIs map[string]*API
	// Default is the API serving requests that name no API (docs/configuration.md
	// , step 4), or nil.
	Default *API
	// Domains maps a lower-case custom domain name (no port) to its
	// mappings; wildcard names are in WildcardDomains instead.
	Domains map[string]*Domain
	// WildcardDomains maps the parent of a wildcard custom domain name, with
	// its leading dot (".example.com" for "*.example.com"), to the domain.
	WildcardDomains map[string]*Domain
}

// Domain returns the custom domain serving host (lower case, no port): the
// domain of that exact name, else the wildcard domain one label above it
// ("*.example.com" serves "a.example.com" but not "a.b.example.com"), else
// nil. See docs/compatibility.md#wildcard-domains.
func (s *Snapshot) Domain(host string) *Domain {
	if d := s.Domains[host]; d != nil {
		return d
	}
	if len(s.WildcardDomains) == 0 {
		return nil
	}
	i := strings.IndexByte(host, '.')
	if i <= 0 {
		return nil
	}
	return s.WildcardDomains[host[i:]]
}

// API is one served API.
type API struct {
	ID   string
	Name string
	// DisableExecuteAPIEndpoint turns off host-style, path-style and
	// default-API resolution for this API: only custom domains reach it.
	DisableExecuteAPIEndpoint bool
	// Stages maps a named stage to its served form; the $default stage is in
	// DefaultStage, not here.
	Stages       map[string]*Stage
	DefaultStage *Stage
}

// Stage is one deployed stage of an API: the routes of the deployment it
// serves, with its stage-level settings.
type Stage struct {
	APIID string
	// Name is the stage name, "$default" for the default stage.
	Name string
	// Variables are the stage variables, nil when the stage has none.
	Variables map[string]string
	// CORS is the API's CORS policy as deployed, nil when not configured.
	CORS CORSPolicy
	// Table selects a route index into Routes.
	Table  *routekey.Table
	Routes []*Route
	// DeploymentID is the deployment this stage serves ("" for config-file
	// APIs served without a recorded deployment).
	DeploymentID string
	// AccessLog writes one line per request after the response, nil when the
	// stage has no access logging.
	AccessLog AccessLogger
	// DetailedMetrics enables per-route metrics for the stage's default route
	// settings.
	DetailedMetrics bool
}

// Route is one deployed route.
type Route struct {
	Key *routekey.Key
	// Integration is nil for a route without a target.
	Integration *Integration
	// AuthorizationType is NONE, JWT, CUSTOM or AWS_IAM.
	AuthorizationType string
	// Authorizer authorizes requests to the route; nil for NONE.
	Authorizer Authorizer
	// AuthorizerName is the name of the route's JWT or Lambda authorizer,
	// for people (the startup summary); "" for NONE and AWS_IAM.
	AuthorizerName string
	// Throttle admits requests to the route (route settings, stage default
	// route settings and the account limit); nil means unlimited.
	Throttle Limiter
	// DetailedMetrics enables per-route metrics (routeSettings).
	DetailedMetrics bool
}

// Integration is one deployed integration, ready to call.
type Integration struct {
	ID   string
	Type string
	// Target says what the integration calls, for people (the startup
	// summary): "function NAME[:QUALIFIER]" for a Lambda integration (its
	// URI when a stage variable chooses the function), the URI of an HTTP
	// integration, "AWS SUBTYPE" for a service integration.
	Target string
	// Invoker calls the integration. Invokers are immutable, and one may
	// serve several integrations configured alike (package compile shares
	// them), so nothing may tell integrations apart by their Invoker.
	Invoker invoke.Invoker
	// RequestMapping applies the integration's requestParameters; nil when
	// it has none.
	RequestMapping RequestMapper
	// ResponseMapping applies the integration's responseParameters; nil when
	// it has none.
	ResponseMapping ResponseMapper
}

// Domain is a custom domain name and its API mappings.
type Domain struct {
	Name string
	// CertificateARN is the certificateArn of the domain's configuration,
	// "" when it has none: the TLS listener looks it up in the configured
	// certificates, else the local CA signs one for Name.
	CertificateARN string
	// SecurityPolicy is "TLS_1_2" (TLS 1.2 and 1.3 only) or "TLS_1_0"
	// (1.0 and 1.1 as well).
	SecurityPolicy string
	// TruststoreURI, when not "", turns on mutual TLS: the handshake needs a
	// client certificate that chains to the truststore it names, and the
	// data plane refuses requests for the domain that did not arrive over
	// such a handshake (plain HTTP included).
	TruststoreURI string
	// Mappings are ordered longest key first, so the first match is the
	// longest matching prefix; the empty-key mapping, if any, is last.
	Mappings []*Mapping
}

// Mapping maps a path prefix of a custom domain to an API stage.
type Mapping struct {
	// Key is the API mapping key without leading or trailing slashes
	// ("v1/orders"), "" for the catch-all mapping.
	Key string
	// Segments is Key split on "/", compared with the request path's escaped
	// segments.
	Segments []string
	API      *API
	Stage    *Stage
}

// CORSPolicy is a compiled CORS configuration (implemented by package
// dataplane/cors). It is an interface so that the snapshot does not depend on
// how CORS is evaluated.
type CORSPolicy interface {
	// IsPreflight reports whether r is a CORS preflight request.
	IsPreflight(r *http.Request) bool
	// Preflight writes the whole answer to a preflight request that no route
	// matched.
	Preflight(w http.ResponseWriter, r *http.Request)
	// Apply sets the CORS headers of an actual response, given the request's
	// headers, replacing any the integration sent.
	Apply(reqHeader, respHeader http.Header)
}

// Authorizer decides whether a request may reach its route. It returns the
// identity to pass to the integration, or an error: a *gwerr.Error selects the
// client's answer (401, 403, 500); any other error is a 500. It never returns
// (nil, nil) for a request it denies: implementations fail closed.
type Authorizer interface {
	Authorize(ctx context.Context, req *invoke.Request) (*invoke.AuthorizerContext, error)
}

// Limiter is a throttle: Allow reports whether one more request may proceed
// now. It must be safe for concurrent use and cheap under contention.
type Limiter interface {
	Allow() bool
}

// RequestMapper rewrites the integration request (headers, query string,
// path) before the integration runs, from values of the original request.
type RequestMapper interface {
	MapRequest(req *invoke.Request) error
}

// ResponseMapper rewrites the integration's response (status, headers)
// before it is sent.
type ResponseMapper interface {
	MapResponse(req *invoke.Request, resp *invoke.Response) error
}

// AccessLogger writes a stage's access log. Log is called once per request
// after the response was sent, and must not block the request path.
type AccessLogger interface {
	Log(req *invoke.Request, out *invoke.Outcome)
}
