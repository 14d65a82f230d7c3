package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apigwdev/apigw/internal/routekey"
)

// Resource names used in ValidationError.Resource.
const (
	ResourceAPI         = "api"
	ResourceRoute       = "route"
	ResourceIntegration = "integration"
	ResourceAuthorizer  = "authorizer"
	ResourceStage       = "stage"
	ResourceDomainName  = "domainName"
	ResourceAPIMapping  = "apiMapping"
	ResourceVpcLink     = "vpcLink"
)

// Quotas of HTTP APIs enforced by validation (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
const (
	MaxRoutesPerAPI          = 300
	MaxIntegrationsPerAPI    = 300
	MaxAuthorizersPerAPI     = 10
	MaxScopesPerRoute        = 10
	MaxAudiencesPerJWT       = 50
	MaxStageVariables        = 100
	MaxStagesPerAPI          = 10
	MaxTagsPerStage          = 50
	MaxParameterValueLen     = 512
	MaxAccessLogFormatLen    = 3072
	MaxAPIMappingKeyLen      = 300
	MaxAuthorizerTTL         = 3600
	MaxCORSMaxAge            = 86400
	MinCORSMaxAge            = -1
	MaxDescriptionLen        = 1024
	MaxSubnetsPerVpcLink     = 10
	MaxStageVariableNameLen  = 64
	MaxStageVariableValueLen = 512
)

// ValidationError is one invalid member of a resource. The control plane
// answers it as a BadRequestException (ConflictException when Conflict is
// set) whose message is Message; the OpenAPI importer and the config loader
// locate it at the document node Field came from.
type ValidationError struct {
	// Resource is the kind of resource: one of the Resource* constants.
	Resource string
	// ID identifies the resource: its id when it has one, else its route
	// key, name or stage name. It may be empty for a resource being created.
	ID string
	// Field is the JSON path of the offending member, built with FieldKey
	// for map entries and list items: "timeoutInMillis",
	// "requestParameters[append:header.x]", "identitySource[1]",
	// "jwtConfiguration.audience". Empty means the resource as a whole.
	Field string
	// Message is the text AWS's BadRequestException carries for the problem
	// where it is known (for example "One or more path parts appear to be
	// invalid"), else a sentence in the same style.
	Message string
	// Detail optionally explains Message further, for people; it is not
	// part of AWS's message.
	Detail string
	// Conflict marks problems AWS reports as ConflictException (a route key
	// that collides with another) rather than BadRequestException.
	Conflict bool
}

// Error renders the problem as "resource id: field: message (detail)",
// leaving out empty parts.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.Resource)
	if e.ID != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.ID))
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// ValidationErrors is the list of problems found in one validation pass,
// in the order they were found. Validate methods return it only when there
// are two or more problems; a single problem is returned as
// *ValidationError.
type ValidationErrors []*ValidationError

// Error renders every problem, separated by "; ".
func (es ValidationErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.As find each *ValidationError of the list.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// AsValidationErrors returns every *ValidationError err holds, whether err
// is a single *ValidationError, a ValidationErrors list or wraps either. It
// returns nil when err holds none.
func AsValidationErrors(err error) ValidationErrors {
	var list ValidationErrors
	if errors.As(err, &list) {
		return list
	}
	var one *ValidationError
	if errors.As(err, &one) {
		return ValidationErrors{one}
	}
	return nil
}

// FieldKey returns the ValidationError.Field naming entry key of the map or
// list member field: FieldKey("requestParameters", "overwrite:path") is
// "requestParameters[overwrite:path]"; several keys nest.
func FieldKey(field string, keys ...string) string {
	var b strings.Builder
	b.WriteString(field)
	for _, k := range keys {
		b.WriteByte('[')
		b.WriteString(k)
		b.WriteByte(']')
	}
	return b.String()
}

// collector gathers the problems of one resource.
type collector struct {
	resource, id string
	list         ValidationErrors
}

func (c *collector) add(field, msg string) *ValidationError {
	e := &ValidationError{Resource: c.resource, ID: c.id, Field: field, Message: msg}
	c.list = append(c.list, e)
	return e
}

func (c *collector) addf(field, format string, args ...any) *ValidationError {
	return c.add(field, fmt.Sprintf(format, args...))
}

func (c *collector) merge(err error) {
	c.list = append(c.list, AsValidationErrors(err)...)
}

// err returns nil, the single problem, or the list.
func (c *collector) err() error {
	return errorOf(c.list)
}

func errorOf(list ValidationErrors) error {
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	default:
		return list
	}
}

// length checks that s has between lo and hi characters; lo 0 makes the
// member optional.
func (c *collector) length(field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case lo > 0 && n == 0:
		c.addf(field, "%s is required", field)
	case n < lo || n > hi:
		c.addf(field, "%s must be between %d and %d characters long", field, lo, hi)
	}
}

// Validate checks the Api's own members: name 1..128 characters, protocol
// type HTTP (WebSocket APIs are not implemented), the fixed route selection
// expression, description, version, IP address type, tags and the CORS
// configuration.
func (a *API) Validate() error {
	c := &collector{resource: ResourceAPI, id: a.APIID}
	if a.APIID == "" {
		c.id = a.Name
	}
	c.length("name", a.Name, 1, 128)
	switch a.ProtocolType {
	case ProtocolHTTP:
	case ProtocolWebSocket:
		c.add("protocolType", "WebSocket APIs are not supported; protocolType must be HTTP")
	case "":
		c.add("protocolType", "protocolType is required")
	default:
		c.addf("protocolType", "Invalid protocolType %q; must be HTTP", a.ProtocolType)
	}
	switch a.RouteSelectionExpression {
	case "", RouteSelectionExpressionHTTP, "${request.method} ${request.path}":
	default:
		c.add("routeSelectionExpression", "HTTP APIs only support the route selection expression $request.method $request.path")
	}
	c.length("description", a.Description, 0, MaxDescriptionLen)
	if a.Version != "" {
		c.length("version", a.Version, 1, 64)
	}
	switch a.IPAddressType {
	case "", "ipv4", "dualstack":
	default:
		c.addf("ipAddressType", "Invalid ipAddressType %q; must be ipv4 or dualstack", a.IPAddressType)
	}
	validateTags(c, "tags", a.Tags, 0)
	if a.CORSConfiguration != nil {
		c.merge(a.CORSConfiguration.validate(c.resource, c.id))
	}
	return c.err()
}

// validateTags checks tag keys (1..128 characters, not starting with "aws:")
// and values (at most 1600 characters, empty allowed); max 0 means no limit
// on the number of tags.
func validateTags(c *collector, field string, tags map[string]string, max int) {
	if max > 0 && len(tags) > max {
		c.addf(field, "At most %d tags are allowed", max)
	}
	for _, k := range sortedKeys(tags) {
		f := FieldKey(field, k)
		if k == "" || utf8.RuneCountInString(k) > 128 {
			c.add(f, "Tag keys must be between 1 and 128 characters long")
		} else if strings.HasPrefix(strings.ToLower(k), "aws:") {
			c.add(f, "Tag keys must not start with aws:")
		}
		if utf8.RuneCountInString(tags[k]) > 1600 {
			c.add(f, "Tag values must be at most 1600 characters long")
		}
	}
}

// Validate checks a CORS configuration: maxAge -1..86400, credentials not
// combined with the "*" origin (AWS's message), and non-empty list items
// (methods at most 64 characters).
func (co *CORS) Validate() error {
	return co.validate(ResourceAPI, "")
}

func (co *CORS) validate(resource, id string) error {
	c := &collector{resource: resource, id: id}
	const f = "corsConfiguration"
	if co.MaxAge != nil && (*co.MaxAge < MinCORSMaxAge || *co.MaxAge > MaxCORSMaxAge) {
		c.addf(f+".maxAge", "maxAge must be between %d and %d", MinCORSMaxAge, MaxCORSMaxAge)
	}
	if co.AllowCredentials != nil && *co.AllowCredentials {
		for _, o := range co.AllowOrigins {
			if o == "*" {
				c.add(f+".allowCredentials", "allow-credentials is not supported if 'allow-origin' is *")
				break
			}
		}
	}
	lists := []struct {
		name  string
		items []string
		max   int
	}{
		{"allowOrigins", co.AllowOrigins, 0},
		{"allowMethods", co.AllowMethods, 64},
		{"allowHeaders", co.AllowHeaders, 0},
		{"exposeHeaders", co.ExposeHeaders, 0},
	}
	for _, l := range lists {
		for i, item := range l.items {
			fk := FieldKey(f+"."+l.name, strconv.Itoa(i))
			switch {
			case strings.TrimSpace(item) == "":
				c.addf(fk, "%s entries must not be empty", l.name)
			case l.max > 0 && utf8.RuneCountInString(item) > l.max:
				c.addf(fk, "%s entries must be at most %d characters long", l.name, l.max)
			}
		}
	}
	return c.err()
}

// Validate checks a route's own members: the route key (routekey grammar;
// path problems carry AWS's message "One or more path parts appear to be
// invalid"), the target form "integrations/{id}", the authorization type and
// its authorizer, and the scopes (JWT only, at most 10, each 1..64
// characters). References to other resources are checked by
// Definition.Validate.
func (r *Route) Validate() error {
	c := &collector{resource: ResourceRoute, id: r.RouteID}
	if c.id == "" {
		c.id = r.RouteKey
	}
	validateRouteKey(c, "routeKey", r.RouteKey)
	if r.Target != "" {
		id, ok := strings.CutPrefix(r.Target, "integrations/")
		if !ok || id == "" || strings.Contains(id, "/") || len(r.Target) > 128 {
			e := c.add("target", "Invalid target specified")
			e.Detail = `an HTTP API route target must be "integrations/{integrationId}"`
		}
	}
	switch r.AuthorizationType {
	case "", AuthNone, AuthIAM:
		if r.AuthorizerID != "" {
			c.addf("authorizerId", "authorizerId can only be set when authorizationType is %s or %s", AuthCustom, AuthJWT)
		}
	case AuthCustom, AuthJWT:
		if r.AuthorizerID == "" {
			c.add("authorizerId", authorizerMismatch(r.AuthorizationType))
		}
	default:
		c.addf("authorizationType", "Invalid authorizationType %q; must be one of NONE, AWS_IAM, CUSTOM, JWT", r.AuthorizationType)
	}
	if len(r.AuthorizationScopes) > 0 && r.AuthorizationType != AuthJWT {
		c.add("authorizationScopes", "Authorization scopes are supported only for JWT authorizers")
	}
	if len(r.AuthorizationScopes) > MaxScopesPerRoute {
		c.addf("authorizationScopes", "A route can have at most %d authorization scopes", MaxScopesPerRoute)
	}
	for i, s := range r.AuthorizationScopes {
		if n := utf8.RuneCountInString(s); n < 1 || n > 64 {
			c.add(FieldKey("authorizationScopes", strconv.Itoa(i)), "Authorization scopes must be between 1 and 64 characters long")
		}
	}
	if r.OperationName != "" {
		c.length("operationName", r.OperationName, 1, 64)
	}
	return c.err()
}

// validateRouteKey parses key with routekey.Parse and reports its problems.
func validateRouteKey(c *collector, field, key string) {
	if key == "" {
		c.addf(field, "%s is required", field)
		return
	}
	if _, err := routekey.Parse(key); err != nil {
		var ke *routekey.Error
		e := c.add(field, "Invalid route key "+strconv.Quote(key))
		if errors.Is(err, routekey.ErrInvalidPath) {
			e.Message = routekey.ErrInvalidPath.Error()
		}
		if errors.As(err, &ke) {
			e.Detail = ke.Reason
		}
	}
}

// authorizerMismatch is AWS's message for a route whose authorization type
// needs an authorizer of a kind it does not reference. The JWT text is
// observed (anomalyco/sst#4097); the CUSTOM text is written by analogy.
func authorizerMismatch(authType string) string {
	if authType == AuthJWT {
		return "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."
	}
	return "Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid REQUEST authorizer."
}

// Validate checks the whole definition: the API, every route, integration
// and authorizer, and what ties them together: the quotas (300 routes, 300
// integrations, 10 authorizers), unique ids, route keys that collide (keys
// differing only in variable names are the same route: ConflictException),
// route targets naming an integration of the definition, and each route's
// authorizer existing with a type that fits its authorization type.
func (d *Definition) Validate() error {
	var list ValidationErrors
	list = append(list, AsValidationErrors(d.API.Validate())...)
	apiC := &collector{resource: ResourceAPI, id: d.API.APIID}
	if apiC.id == "" {
		apiC.id = d.API.Name
	}
	if len(d.Routes) > MaxRoutesPerAPI {
		apiC.addf("routes", "An HTTP API can have at most %d routes; this one has %d", MaxRoutesPerAPI, len(d.Routes))
	}
	if len(d.Integrations) > MaxIntegrationsPerAPI {
		apiC.addf("integrations", "An HTTP API can have at most %d integrations; this one has %d", MaxIntegrationsPerAPI, len(d.Integrations))
	}
	if len(d.Authorizers) > MaxAuthorizersPerAPI {
		apiC.addf("authorizers", "An HTTP API can have at most %d authorizers; this one has %d", MaxAuthorizersPerAPI, len(d.Authorizers))
	}
	list = append(list, apiC.list...)

	integrations := make(map[string]bool, len(d.Integrations))
	for i := range d.Integrations {
		in := &d.Integrations[i]
		list = append(list, AsValidationErrors(in.Validate())...)
		if in.IntegrationID != "" {
			if integrations[in.IntegrationID] {
				list = append(list, &ValidationError{Resource: ResourceIntegration, ID: in.IntegrationID, Field: "integrationId", Message: "Duplicate integration id " + in.IntegrationID})
			}
			integrations[in.IntegrationID] = true
		}
	}
	authorizers := make(map[string]*Authorizer, len(d.Authorizers))
	for i := range d.Authorizers {
		au := &d.Authorizers[i]
		list = append(list, AsValidationErrors(au.Validate())...)
		if au.AuthorizerID != "" {
			if authorizers[au.AuthorizerID] != nil {
				list = append(list, &ValidationError{Resource: ResourceAuthorizer, ID: au.AuthorizerID, Field: "authorizerId", Message: "Duplicate authorizer id " + au.AuthorizerID})
			}
			authorizers[au.AuthorizerID] = au
		}
	}
	shapes := make(map[string]string, len(d.Routes))
	routeIDs := make(map[string]bool, len(d.Routes))
	for i := range d.Routes {
		r := &d.Routes[i]
		list = append(list, AsValidationErrors(r.Validate())...)
		c := &collector{resource: ResourceRoute, id: r.RouteID}
		if c.id == "" {
			c.id = r.RouteKey
		}
		if r.RouteID != "" {
			if routeIDs[r.RouteID] {
				c.add("routeId", "Duplicate route id "+r.RouteID)
			}
			routeIDs[r.RouteID] = true
		}
		if k, err := routekey.Parse(r.RouteKey); err == nil {
			sh := k.Shape()
			if prev, dup := shapes[sh]; dup {
				e := c.add("routeKey", fmt.Sprintf("Route key %s conflicts with the existing route key %s", r.RouteKey, prev))
				e.Conflict = true
				if prev != r.RouteKey {
					e.Detail = "route keys that differ only in path variable names are the same route"
				}
			} else {
				shapes[sh] = r.RouteKey
			}
		}
		if id, ok := strings.CutPrefix(r.Target, "integrations/"); ok && id != "" && !integrations[id] {
			e := c.add("target", "Invalid target specified")
			e.Detail = fmt.Sprintf("no integration %q in this API", id)
		}
		if r.AuthorizerID != "" && (r.AuthorizationType == AuthJWT || r.AuthorizationType == AuthCustom) {
			au := authorizers[r.AuthorizerID]
			want := AuthorizerJWT
			if r.AuthorizationType == AuthCustom {
				want = AuthorizerRequest
			}
			if au == nil || au.AuthorizerType != want {
				e := c.add("authorizerId", authorizerMismatch(r.AuthorizationType))
				if au == nil {
					e.Detail = fmt.Sprintf("no authorizer %q in this API", r.AuthorizerID)
				} else {
					e.Detail = fmt.Sprintf("authorizer %q is of type %s", r.AuthorizerID, au.AuthorizerType)
				}
			}
		}
		list = append(list, c.list...)
	}
	return errorOf(list)
}
