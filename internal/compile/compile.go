// Package compile turns resource definitions (package model) into the
// immutable snapshot the data plane serves (package snapshot).
//
// All parsing and pre-computation happens here, once per deployment: route
// keys are parsed into a route table, integration URIs into invokers, CORS
// configurations into policies. The request path only matches and calls.
//
// Compiling is pure: it builds values and nothing else. No file is opened
// and no goroutine started; the few compiled values that hold a resource
// once served (access logs) are opened by whoever installs the snapshot
// and released when it is retired (see Resources).
//
// An API compiles on its own (CompileAPI) and a custom domain against
// compiled APIs (CompileDomain), so that a change recompiles only what it
// touched; Compile builds a whole snapshot from scratch.
//
// Compile either returns a complete snapshot or an error; it never returns a
// half-built one, so a failed deployment leaves the previous snapshot serving.
// Features that are parsed but not served yet are errors (UnsupportedError),
// never silently ignored.
package compile

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane/accesslog"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/dataplane/cors"
	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/integration/awsservice"
	"github.com/apigwdev/apigw/internal/integration/httpproxy"
	"github.com/apigwdev/apigw/internal/integration/lambdaproxy"
	"github.com/apigwdev/apigw/internal/integration/parammap"
	"github.com/apigwdev/apigw/internal/integration/private"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/routekey"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// Input is everything to compile: every API with its stages, and the custom
// domains.
type Input struct {
	Region    string
	AccountID string
	APIs      []API
	Domains   []Domain
}

// API is one API to serve.
type API struct {
	// Definition is the API's latest definition; stages without a deployment
	// of their own serve it.
	Definition *model.Definition
	Stages     []Stage
	// Default marks the API serving requests that name no API.
	Default bool
}

// Stage is one stage and the deployed definition it serves.
type Stage struct {
	Stage model.Stage
	// Definition is the deployment's definition; nil means the API's latest.
	Definition *model.Definition
}

// Domain is a custom domain with its API mappings.
type Domain struct {
	Name     model.DomainName
	Mappings []model.APIMapping
}

// Deps are the services compiled invokers call.
type Deps struct {
	// Functions invokes Lambda functions. If nil, Lambda integrations are
	// unsupported.
	Functions lambdacall.Caller
	// HasFunction reports whether a function name is configured locally or
	// remotely; routes naming an unknown function compile with a warning and
	// answer 500 as AWS does for a missing function. If nil, every name is
	// assumed known.
	HasFunction func(name string) bool
	// Transport is shared by HTTP proxy integrations. If nil, httpproxy's
	// default transport is used.
	Transport http.RoundTripper
	// Logger is given to invokers. If nil, slog.Default() is used.
	Logger *slog.Logger
	// Account is the account-level throttle shared by every stage; it lives
	// across redeploys. If nil, only route and stage limits apply.
	Account *throttle.Bucket
	// AccessLogs prepares stages' access logs (nothing is opened: the
	// stages' loggers are opened before the snapshot is served, see
	// Resources). If nil, stages with accessLogSettings are refused.
	AccessLogs *accesslog.Sinks
	// ClusterThrottle, when not nil, makes the stages' limits hold for a
	// cluster of nodes (package throttle/redisquota) instead of each node.
	ClusterThrottle ClusterThrottle
	// Now is the throttles' clock. If nil, time.Now is used.
	Now func() time.Time
	// Authorizers are the shared services of JWT, Lambda and IAM
	// authorizers. If nil, routes with authorization are refused.
	Authorizers *authz.Deps
	// AWS are the SDK clients of AWS service integrations (integrations
	// with integrationSubtype). If nil, those integrations are refused.
	AWS *awsservice.Clients
	// Private resolves private integrations (connectionType VPC_LINK). If
	// nil, they are refused.
	Private *private.Targets
}

// ClusterThrottle makes limits cluster-wide.
type ClusterThrottle interface {
	// Limiter returns the limiter of one route of one stage, id naming
	// them ("apiId/stage/routeKey"), with the route's own limits (nil:
	// none) under the account's; nil when nothing limits the route.
	Limiter(id string, route *throttle.Limits) snapshot.Limiter
}

// UnsupportedError reports a feature that apigw parses but does not serve yet.
type UnsupportedError struct {
	APIID   string
	Where   string // "route GET /pets", "stage prod", "integration abc1234"
	Feature string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("api %s: %s: %s is not supported yet", e.APIID, e.Where, e.Feature)
}

// Compile builds a snapshot from in. Warnings are problems that do not prevent
// serving (for example a route naming an unconfigured function). The error, if
// any, joins every problem found (errors.Join).
func Compile(in *Input, deps Deps) (*snapshot.Snapshot, []string, error) {
	c := newCompiler(deps)
	s := &snapshot.Snapshot{
		Region:    in.Region,
		AccountID: in.AccountID,
		APIs:      make(map[string]*snapshot.API, len(in.APIs)),
		Domains:   make(map[string]*snapshot.Domain, len(in.Domains)),
	}
	for i := range in.APIs {
		a := &in.APIs[i]
		sa := c.api(a)
		if sa == nil {
			continue
		}
		if _, dup := s.APIs[sa.ID]; dup {
			c.errs = append(c.errs, fmt.Errorf("api %s: duplicate API id", sa.ID))
			continue
		}
		s.APIs[sa.ID] = sa
		if a.Default {
			if s.Default != nil {
				c.errs = append(c.errs, fmt.Errorf("api %s: only one API can be the default API (%s already is)", sa.ID, s.Default.ID))
			}
			s.Default = sa
		}
	}
	for i := range in.Domains {
		if d := c.domain(s.APIs, &in.Domains[i]); d != nil {
			AddDomain(s, d)
		}
	}
	if len(c.errs) > 0 {
		return nil, c.warnings, errors.Join(c.errs...)
	}
	return s, c.warnings, nil
}

// CompileAPI compiles one API with its stages. A nil API with a nil error
// is not returned: the API either compiles whole or fails.
func CompileAPI(a *API, deps Deps) (*snapshot.API, []string, error) {
	c := newCompiler(deps)
	sa := c.api(a)
	if len(c.errs) > 0 {
		return nil, c.warnings, errors.Join(c.errs...)
	}
	return sa, c.warnings, nil
}

// CompileDomain compiles a custom domain's API mappings against compiled
// APIs (by id).
func CompileDomain(d *Domain, apis map[string]*snapshot.API) (*snapshot.Domain, error) {
	c := newCompiler(Deps{})
	sd := c.domain(apis, d)
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return sd, nil
}

// AddDomain adds a compiled custom domain to the snapshot being built, in
// Domains or, for a wildcard name, in WildcardDomains.
func AddDomain(s *snapshot.Snapshot, d *snapshot.Domain) {
	if parent, ok := strings.CutPrefix(d.Name, "*"); ok {
		if s.WildcardDomains == nil {
			s.WildcardDomains = make(map[string]*snapshot.Domain)
		}
		s.WildcardDomains[parent] = d
		return
	}
	s.Domains[d.Name] = d
}

// Resources calls fn for each compiled value of a that holds a resource
// once served, for its installer to open (before serving it) and release
// (once retired): today the stages' access loggers.
func Resources(a *snapshot.API, fn func(snapshot.AccessLogger)) {
	if a == nil {
		return
	}
	if a.DefaultStage != nil && a.DefaultStage.AccessLog != nil {
		fn(a.DefaultStage.AccessLog)
	}
	for _, st := range a.Stages {
		if st.AccessLog != nil {
			fn(st.AccessLog)
		}
	}
}

func newCompiler(deps Deps) *compiler {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	return &compiler{deps: deps}
}

type compiler struct {
	deps     Deps
	errs     []error
	warnings []string
	// invokers are the HTTP and Lambda proxy invokers built so far, by
	// configuration. Invokers are immutable, so integrations configured
	// alike share one, across routes and APIs: a snapshot of 10,000
	// routes to one backend holds one invoker, not 10,000.
	invokers map[invokerKey]invoke.Invoker
	// accountOnly is the limiter of every route without limits of its own
	// (only the account bucket applies), shared; nil until needed.
	accountOnly snapshot.Limiter
}

// invokerKey is everything an HTTP or Lambda proxy invoker is built from,
// besides the compile's Deps.
type invokerKey struct {
	typ, uri, method, payloadFormatVersion string
	timeout                                time.Duration
	isDefaultRoute                         bool
}

func (c *compiler) unsupported(apiID, where, feature string) {
	c.errs = append(c.errs, &UnsupportedError{APIID: apiID, Where: where, Feature: feature})
}

func (c *compiler) api(a *API) *snapshot.API {
	def := a.Definition
	if def == nil {
		c.errs = append(c.errs, errors.New("api without a definition"))
		return nil
	}
	id := def.API.APIID
	if def.API.ProtocolType != "" && def.API.ProtocolType != model.ProtocolHTTP {
		c.unsupported(id, "api", fmt.Sprintf("protocol type %s (only HTTP APIs are served)", def.API.ProtocolType))
		return nil
	}
	sa := &snapshot.API{
		ID:                        id,
		Name:                      def.API.Name,
		DisableExecuteAPIEndpoint: def.API.DisableExecuteAPIEndpoint,
		Stages:                    make(map[string]*snapshot.Stage, len(a.Stages)),
	}
	// Stages sharing a definition share its compiled routes.
	compiled := make(map[*model.Definition]*routesResult)
	for i := range a.Stages {
		st := &a.Stages[i]
		d := st.Definition
		if d == nil {
			d = def
		}
		rr := compiled[d]
		if rr == nil {
			rr = c.routes(d)
			compiled[d] = rr
		}
		ss := c.stage(id, st, rr)
		if ss == nil {
			continue
		}
		if ss.Name == model.DefaultStageName {
			sa.DefaultStage = ss
		} else {
			sa.Stages[ss.Name] = ss
		}
	}
	return sa
}

// routesResult is the compiled route set of one definition. Each stage
// serving it gets its own copy of routes, with the stage's throttles.
type routesResult struct {
	table  *routekey.Table
	routes []snapshot.Route
	cors   snapshot.CORSPolicy
}

func (c *compiler) routes(d *model.Definition) *routesResult {
	apiID := d.API.APIID
	rr := &routesResult{}
	if d.API.CORSConfiguration != nil {
		p, err := cors.Compile(d.API.CORSConfiguration)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: cors configuration: %w", apiID, err))
		} else if p != nil {
			rr.cors = p
		}
	}
	// Integrations, route keys and their segments are allocated in one
	// slice each: a definition's routes are a few large objects, not
	// several per route (the snapshot is live heap that every garbage
	// collection marks).
	integrations := make(map[string]*snapshot.Integration, len(d.Integrations))
	// One more than the integrations: the $default route's integration is
	// compiled apart when other routes share it (see below).
	integrationVals := make([]snapshot.Integration, 0, len(d.Integrations)+1)
	byID := make(map[string]*model.Integration, len(d.Integrations))
	for i := range d.Integrations {
		byID[d.Integrations[i].IntegrationID] = &d.Integrations[i]
	}
	parsed := make([]*routekey.Key, len(d.Routes))
	nSegs := 0
	for i := range d.Routes {
		if k, err := routekey.Parse(d.Routes[i].RouteKey); err == nil {
			parsed[i] = k
			nSegs += len(k.Segments)
		}
	}
	keys := make([]*routekey.Key, 0, len(d.Routes))
	keyVals := make([]routekey.Key, 0, len(d.Routes))
	segVals := make([]routekey.Segment, 0, nSegs)
	rr.routes = make([]snapshot.Route, 0, len(d.Routes))
	for i := range d.Routes {
		r := &d.Routes[i]
		where := "route " + r.RouteKey
		k := parsed[i]
		if k == nil {
			_, err := routekey.Parse(r.RouteKey)
			c.errs = append(c.errs, fmt.Errorf("api %s: %w", apiID, err))
			continue
		}
		sr := snapshot.Route{AuthorizationType: authorizationType(r.AuthorizationType)}
		if sr.AuthorizationType != model.AuthNone {
			if !c.authorize(d, r, &sr) {
				continue
			}
		}
		if r.Target != "" {
			intID, ok := strings.CutPrefix(r.Target, "integrations/")
			mi := byID[intID]
			if !ok || mi == nil {
				c.errs = append(c.errs, fmt.Errorf("api %s: %s: target %q names no integration of this API", apiID, where, r.Target))
				continue
			}
			// The $default route appends the request path to an HTTP
			// integration's URI, other routes do not: an integration that
			// both target is compiled once for each.
			cacheKey := intID
			if r.RouteKey == model.DefaultRouteKey {
				cacheKey += " $default"
			}
			si := integrations[cacheKey]
			if si == nil {
				v := c.integration(d, mi, r)
				if v == nil {
					continue
				}
				integrationVals = append(integrationVals, *v)
				si = &integrationVals[len(integrationVals)-1]
				integrations[cacheKey] = si
			}
			sr.Integration = si
		}
		keyVals = append(keyVals, *k)
		sr.Key = &keyVals[len(keyVals)-1]
		if n := len(segVals); len(k.Segments) > 0 {
			segVals = append(segVals, k.Segments...)
			sr.Key.Segments = segVals[n:len(segVals):len(segVals)]
		}
		keys = append(keys, sr.Key)
		rr.routes = append(rr.routes, sr)
	}
	t, err := routekey.Build(keys)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %w", apiID, err))
		return rr
	}
	rr.table = t
	return rr
}

// authorizationType is a route's authorizationType, NONE when unset, as
// the model's constant: the snapshot does not keep a copy of the string
// per route.
func authorizationType(t string) string {
	switch t {
	case "", model.AuthNone:
		return model.AuthNone
	case model.AuthJWT:
		return model.AuthJWT
	case model.AuthCustom:
		return model.AuthCustom
	case model.AuthIAM:
		return model.AuthIAM
	}
	return t
}

// integrationType is an integration's type as the model's constant (see
// authorizationType).
func integrationType(t string) string {
	switch t {
	case model.IntegrationHTTPProxy:
		return model.IntegrationHTTPProxy
	case model.IntegrationAWSProxy:
		return model.IntegrationAWSProxy
	}
	return t
}

// authorize compiles the route's authorizer into sr; it reports false (with
// the problem recorded) when the route cannot be served.
func (c *compiler) authorize(d *model.Definition, r *model.Route, sr *snapshot.Route) bool {
	apiID := d.API.APIID
	where := "route " + r.RouteKey
	if c.deps.Authorizers == nil {
		c.unsupported(apiID, where, fmt.Sprintf("authorization type %s (authorizers)", sr.AuthorizationType))
		return false
	}
	var a *model.Authorizer
	if r.AuthorizerID != "" {
		for i := range d.Authorizers {
			if d.Authorizers[i].AuthorizerID == r.AuthorizerID {
				a = &d.Authorizers[i]
				break
			}
		}
		if a == nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: %s: authorizer %q does not exist", apiID, where, r.AuthorizerID))
			return false
		}
	}
	var (
		az  snapshot.Authorizer
		err error
	)
	if sr.AuthorizationType == model.AuthIAM {
		az, err = authz.CompileIAM(r, *c.deps.Authorizers)
	} else {
		az, err = authz.Compile(a, r, *c.deps.Authorizers)
	}
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %w", apiID, err))
		return false
	}
	if az == nil {
		// Never serve a route that asks for authorization without an
		// authorizer: fail closed.
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: no authorizer compiled for authorization type %s", apiID, where, sr.AuthorizationType))
		return false
	}
	sr.Authorizer = az
	if a != nil {
		sr.AuthorizerName = a.Name
	}
	return true
}

func (c *compiler) integration(d *model.Definition, mi *model.Integration, r *model.Route) *snapshot.Integration {
	apiID := d.API.APIID
	where := "integration " + mi.IntegrationID
	nerr := len(c.errs)
	if mi.IntegrationSubtype != "" && c.deps.AWS == nil {
		c.unsupported(apiID, where, fmt.Sprintf("AWS service integration %s", mi.IntegrationSubtype))
	}
	if mi.ConnectionType == model.ConnectionVPCLink && c.deps.Private == nil {
		c.unsupported(apiID, where, "private integration (connectionType VPC_LINK)")
	}
	if len(c.errs) > nerr {
		return nil
	}
	if mi.IntegrationSubtype != "" {
		return c.serviceIntegration(apiID, where, mi)
	}
	si := &snapshot.Integration{ID: mi.IntegrationID, Type: mi.IntegrationType, Target: mi.IntegrationURI}
	if rm, err := parammap.CompileRequest(mi.RequestParameters); err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: requestParameters: %w", apiID, where, err))
		return nil
	} else if rm != nil {
		si.RequestMapping = rm
	}
	if pm, err := parammap.CompileResponse(mi.ResponseParameters); err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: responseParameters: %w", apiID, where, err))
		return nil
	} else if pm != nil {
		si.ResponseMapping = pm
	}
	switch mi.IntegrationType {
	case model.IntegrationHTTPProxy:
		if mi.ConnectionType == model.ConnectionVPCLink {
			inv := c.privateInvoker(apiID, where, mi, r)
			if inv == nil {
				return nil
			}
			si.Invoker = inv
			break
		}
		key := invokerKey{
			typ: model.IntegrationHTTPProxy, uri: mi.IntegrationURI, method: mi.IntegrationMethod,
			timeout: mi.EffectiveTimeout(), isDefaultRoute: r.RouteKey == model.DefaultRouteKey,
		}
		inv, err := c.invoker(key, func() (invoke.Invoker, error) {
			return httpproxy.New(httpproxy.Config{
				URI:            key.uri,
				Method:         key.method,
				Timeout:        key.timeout,
				Transport:      c.deps.Transport,
				IsDefaultRoute: key.isDefaultRoute,
				Logger:         c.deps.Logger,
			})
		})
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
			return nil
		}
		si.Invoker = inv
	case model.IntegrationAWSProxy:
		if c.deps.Functions == nil {
			c.unsupported(apiID, where, "Lambda proxy integration (AWS_PROXY)")
			return nil
		}
		tmpl, err := lambdacall.ParseFunctionURI(mi.IntegrationURI)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
			return nil
		}
		if ref, ok := tmpl.Static(); ok {
			si.Target = "function " + ref.Name
			if ref.Qualifier != "" {
				si.Target += ":" + ref.Qualifier
			}
		}
		if c.deps.HasFunction != nil {
			if ref, ok := tmpl.Static(); ok && !c.deps.HasFunction(ref.Name) {
				name := ref.Name
				c.warnings = append(c.warnings, fmt.Sprintf("api %s: route %s: function %q is not configured; the route answers 500 Internal Server Error, as AWS does for a missing function", apiID, r.RouteKey, name))
			}
		}
		pfv := mi.PayloadFormatVersion
		if pfv == "" {
			// OpenAPI import defaults an aws_proxy integration to the latest
			// format (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
			pfv = "2.0"
		}
		key := invokerKey{
			typ: model.IntegrationAWSProxy, uri: mi.IntegrationURI, payloadFormatVersion: pfv,
			timeout: mi.EffectiveTimeout(),
		}
		inv, err := c.invoker(key, func() (invoke.Invoker, error) {
			return lambdaproxy.New(lambdaproxy.Config{
				URI:                  key.uri,
				PayloadFormatVersion: key.payloadFormatVersion,
				Timeout:              key.timeout,
				Caller:               c.deps.Functions,
				Logger:               c.deps.Logger,
			})
		})
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
			return nil
		}
		si.Invoker = inv
	default:
		c.unsupported(apiID, where, fmt.Sprintf("integration type %s (HTTP APIs serve AWS_PROXY and HTTP_PROXY)", mi.IntegrationType))
		return nil
	}
	return si
}

// invoker returns the invoker built for key so far, or builds it with
// build and keeps it for the integrations configured alike.
func (c *compiler) invoker(key invokerKey, build func() (invoke.Invoker, error)) (invoke.Invoker, error) {
	if inv, ok := c.invokers[key]; ok {
		return inv, nil
	}
	inv, err := build()
	if err != nil {
		return nil, err
	}
	if c.invokers == nil {
		c.invokers = make(map[invokerKey]invoke.Invoker)
	}
	c.invokers[key] = inv
	return inv, nil
}

func (c *compiler) stage(apiID string, st *Stage, rr *routesResult) *snapshot.Stage {
	ms := &st.Stage
	where := "stage " + ms.StageName
	if rr.table == nil {
		return nil
	}
	ss := &snapshot.Stage{
		APIID:        apiID,
		Name:         ms.StageName,
		CORS:         rr.cors,
		Table:        rr.table,
		DeploymentID: ms.DeploymentID,
	}
	if len(ms.StageVariables) > 0 {
		ss.Variables = make(map[string]string, len(ms.StageVariables))
		for k, v := range ms.StageVariables {
			ss.Variables[k] = v
		}
	}
	if rs := ms.DefaultRouteSettings; rs != nil && rs.DetailedMetricsEnabled != nil {
		ss.DetailedMetrics = *rs.DetailedMetricsEnabled
	}
	// Routes are per stage: each stage has its own throttles.
	keys := make([]string, len(rr.routes))
	for i, r := range rr.routes {
		keys[i] = r.Key.Raw
	}
	limits, err := throttle.Compile(ms, keys, c.deps.Account, c.deps.Now)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: throttling: %w", apiID, where, err))
		return nil
	}
	routes := make([]snapshot.Route, len(rr.routes))
	ss.Routes = make([]*snapshot.Route, len(rr.routes))
	for i := range rr.routes {
		r := &routes[i]
		*r = rr.routes[i]
		if l := limits[r.Key.Raw]; l != nil {
			r.Throttle = c.limiter(l)
		}
		if ct := c.deps.ClusterThrottle; ct != nil {
			var own *throttle.Limits
			if tl, ok := limits[r.Key.Raw].(*throttle.Limiter); ok && tl.Route() != nil {
				rl := tl.Route().Limits()
				own = &rl
			}
			r.Throttle = ct.Limiter(apiID+"/"+ms.StageName+"/"+r.Key.Raw, own)
		}
		if rs, ok := ms.RouteSettings[r.Key.Raw]; ok && rs.DetailedMetricsEnabled != nil {
			r.DetailedMetrics = *rs.DetailedMetricsEnabled
		}
		ss.Routes[i] = r
	}
	if al := ms.AccessLogSettings; al != nil && (al.Format != "" || al.DestinationARN != "") {
		if c.deps.AccessLogs == nil {
			c.unsupported(apiID, where, "access logging (accessLogSettings)")
			return nil
		}
		lg, err := c.deps.AccessLogs.Prepare(*al)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("api %s: %s: accessLogSettings: %w", apiID, where, err))
			return nil
		}
		if unknown := lg.Template().Unknown(); len(unknown) > 0 {
			c.warnings = append(c.warnings, fmt.Sprintf("api %s: %s: access log format names unknown variables %s; they are logged as -", apiID, where, strings.Join(unknown, ", ")))
		}
		ss.AccessLog = lg
	}
	return ss
}

// limiter returns l, or the shared account-only limiter when l is one: a
// limiter without a route bucket holds nothing but the account bucket.
func (c *compiler) limiter(l snapshot.Limiter) snapshot.Limiter {
	tl, ok := l.(*throttle.Limiter)
	if !ok || tl.Route() != nil || c.deps.Account == nil {
		return l
	}
	if c.accountOnly == nil {
		c.accountOnly = l
	}
	return c.accountOnly
}

func (c *compiler) domain(apis map[string]*snapshot.API, d *Domain) *snapshot.Domain {
	name := strings.ToLower(strings.TrimSuffix(d.Name.DomainName, "."))
	sd := &snapshot.Domain{Name: name, SecurityPolicy: "TLS_1_2"}
	if cfgs := d.Name.DomainNameConfigurations; len(cfgs) > 0 {
		sd.CertificateARN = cfgs[0].CertificateARN
		if cfgs[0].SecurityPolicy != "" {
			sd.SecurityPolicy = cfgs[0].SecurityPolicy
		}
	}
	if m := d.Name.MutualTLSAuthentication; m != nil {
		sd.TruststoreURI = m.TruststoreURI
	}
	for _, m := range d.Mappings {
		api := apis[m.APIID]
		if api == nil {
			c.errs = append(c.errs, fmt.Errorf("domain %s: api mapping %q names unknown API %s", name, m.APIMappingKey, m.APIID))
			continue
		}
		var st *snapshot.Stage
		if m.Stage == model.DefaultStageName {
			st = api.DefaultStage
		} else {
			st = api.Stages[m.Stage]
		}
		if st == nil {
			c.errs = append(c.errs, fmt.Errorf("domain %s: api mapping %q names unknown stage %s of API %s", name, m.APIMappingKey, m.Stage, m.APIID))
			continue
		}
		key := strings.Trim(m.APIMappingKey, "/")
		var segs []string
		if key != "" {
			segs = strings.Split(key, "/")
		}
		sd.Mappings = append(sd.Mappings, &snapshot.Mapping{Key: key, Segments: segs, API: api, Stage: st})
	}
	sort.SliceStable(sd.Mappings, func(i, j int) bool {
		return len(sd.Mappings[i].Segments) > len(sd.Mappings[j].Segments)
	})
	return sd
}

// privateInvoker builds the invoker of a private integration (connectionType
// VPC_LINK). An integrationUri that privateTargets does not map is an error
// (this network does not define it); a connectionId that vpcLinks does not
// declare compiles with a warning and answers 503, as an unreachable target
// does.
func (c *compiler) privateInvoker(apiID, where string, mi *model.Integration, r *model.Route) *httpproxy.Invoker {
	var tnf *private.TargetNotFoundError
	if err := c.deps.Private.Check(mi.ConnectionID, mi.IntegrationURI); errors.As(err, &tnf) {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
		return nil
	} else if err != nil {
		c.warnings = append(c.warnings, fmt.Sprintf("api %s: route %s: %s: %v; the route answers 503 Service Unavailable", apiID, r.RouteKey, where, err))
	}
	in := private.Integration{
		ConnectionID: mi.ConnectionID,
		URI:          mi.IntegrationURI,
		Method:       mi.IntegrationMethod,
		Timeout:      mi.EffectiveTimeout(),
		Logger:       c.deps.Logger,
	}
	if mi.TLSConfig != nil {
		in.TLS, in.ServerNameToVerify = true, mi.TLSConfig.ServerNameToVerify
	}
	inv, err := c.deps.Private.NewInvoker(in)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
		return nil
	}
	return inv
}
