package template

import (
	"errors"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
)

// This file is phase P4: AWS::ApiGatewayV2::* resources become API
// definitions (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ApiGatewayV2.html).

// served are the resource types apigw turns into something; every other
// type is listed once per type as not emulated.
var served = set_("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration",
	"AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Deployment",
	"AWS::ApiGatewayV2::ApiGatewayManagedOverrides", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping",
	"AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Lambda::Alias",
	"AWS::Lambda::Version", "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion",
	"AWS::Serverless::Api", "AWS::Serverless::WebSocketApi", "AWS::Serverless::GraphQLApi")

// cfnProps are the properties CloudFormation accepts for the API Gateway
// resource types apigw serves
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ApiGatewayV2.html).
var cfnProps = map[string]map[string]bool{
	"AWS::ApiGatewayV2::Api": set_("ApiKeySelectionExpression", "BasePath", "Body", "BodyS3Location", "CorsConfiguration",
		"CredentialsArn", "Description", "DisableExecuteApiEndpoint", "DisableSchemaValidation", "FailOnWarnings",
		"IpAddressType", "Name", "ProtocolType", "RouteKey", "RouteSelectionExpression", "Tags", "Target", "Version"),
	"AWS::ApiGatewayV2::Route": set_("ApiId", "ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId",
		"ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters", "RouteKey",
		"RouteResponseSelectionExpression", "Target"),
	"AWS::ApiGatewayV2::Integration": set_("ApiId", "ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn",
		"Description", "IntegrationMethod", "IntegrationSubtype", "IntegrationType", "IntegrationUri", "PassthroughBehavior",
		"PayloadFormatVersion", "RequestParameters", "RequestTemplates", "ResponseParameters", "TemplateSelectionExpression",
		"TimeoutInMillis", "TlsConfig"),
	"AWS::ApiGatewayV2::Authorizer": set_("ApiId", "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion",
		"AuthorizerResultTtlInSeconds", "AuthorizerType", "AuthorizerUri", "EnableSimpleResponses", "IdentitySource",
		"IdentityValidationExpression", "JwtConfiguration", "Name"),
	"AWS::ApiGatewayV2::Stage": set_("AccessLogSettings", "AccessPolicyId", "ApiId", "AutoDeploy", "ClientCertificateId",
		"DefaultRouteSettings", "DeploymentId", "Description", "RouteSettings", "StageName", "StageVariables", "Tags"),
	"AWS::ApiGatewayV2::ApiGatewayManagedOverrides": set_("ApiId", "Integration", "Route", "Stage"),
	"AWS::ApiGatewayV2::Deployment":                 set_("ApiId", "Description", "StageName"),
}

// checkCfnProps reports properties CloudFormation does not accept, with
// its words.
func (s *stack) checkCfnProps(r *resource) bool {
	allowed := cfnProps[r.typ]
	if allowed == nil || r.generatedBy != "" {
		return true
	}
	ok := true
	for _, p := range pairs(r.props) {
		if !allowed[p.key.Value] && p.key.Value != bodyFileKey {
			s.ds.add(s.file, p.key, Error, r.id+"."+p.key.Value, "Encountered unsupported property %s", p.key.Value)
			ok = false
		}
	}
	return ok
}

// build runs phases P3 to P5 for the stack and adds its APIs and
// functions to set.
func (s *stack) build(set *Set) {
	s.functions(set)
	for _, id := range s.order {
		s.checkCfnProps(s.resources[id])
	}
	apis := map[string]*resource{} // by api id
	for _, r := range s.ofType("AWS::ApiGatewayV2::Api") {
		c := evalCtx{s: s, path: r.id}
		if _, ok := s.exists(c, r.id); !ok {
			continue
		}
		if a := s.buildAPI(r); a != nil {
			r.api = a
			apis[a.Definition.API.APIID] = r
		}
	}
	s.attach(apis)
	unemulated := map[string][]string{}
	for _, id := range s.order {
		r := s.resources[id]
		switch {
		case served[r.typ]:
		case strings.HasPrefix(r.typ, "Custom::") || r.typ == "AWS::CloudFormation::CustomResource":
			s.ds.add(s.file, r.key, Warning, id, "custom resource %s is not run by apigw", r.typ)
		case r.typ == "AWS::ApiGatewayV2::RouteResponse" || r.typ == "AWS::ApiGatewayV2::IntegrationResponse" || r.typ == "AWS::ApiGatewayV2::Model":
			s.ds.add(s.file, r.key, Warning, id, "%s is WebSocket-only; ignored", r.typ)
		case r.typ == "AWS::ApiGateway::RestApi":
			s.ds.add(s.file, r.key, Warning, id, "REST APIs (%s) are not served by apigw", r.typ)
		case r.typ == "AWS::Lambda::Url":
			s.ds.add(s.file, r.key, Warning, id, "function URLs are not served by apigw")
		default:
			unemulated[r.typ] = append(unemulated[r.typ], id)
		}
	}
	for _, t := range sortedKeys(unemulated) {
		ids := unemulated[t]
		s.ds.add(s.file, s.resources[ids[0]].key, Info, "", "%s is not emulated: %s", t, strings.Join(ids, ", "))
	}
	for _, id := range s.order {
		r := s.resources[id]
		if r.api != nil {
			set.APIs = append(set.APIs, *r.api)
		}
	}
	s.domains(set, apis)
}

// domains adds the stack's custom domain names and their API mappings
// (served by Host header, interface: custom domains).
func (s *stack) domains(set *Set, apis map[string]*resource) {
	byName := map[string]*Domain{}
	var order []string
	for _, r := range s.ofType("AWS::ApiGatewayV2::DomainName") {
		c := evalCtx{s: s, path: r.id}
		if _, ok := s.exists(c, r.id); !ok {
			continue
		}
		p, ok := s.props(r)
		if !ok {
			continue
		}
		name := str(p, "DomainName")
		d := &Domain{Name: model.DomainName{DomainName: name, APIMappingSelectionExpression: "$request.basepath", Tags: map[string]string{}}}
		for _, dc := range children(get(p, "DomainNameConfigurations")) {
			ep := str(dc, "EndpointType")
			if ep == "" {
				ep = "REGIONAL"
			}
			d.Name.DomainNameConfigurations = append(d.Name.DomainNameConfigurations, model.DomainNameConfiguration{
				CertificateARN: str(dc, "CertificateArn"), EndpointType: ep, DomainNameStatus: "AVAILABLE",
				APIGatewayDomainName: "d-" + physicalID(s.name, s.path, r.id, 10) + ".execute-api." + s.set.opts.Region + ".amazonaws.com",
				HostedZoneID:         "Z000000LOCAL", SecurityPolicy: "TLS_1_2",
			})
		}
		if get(p, "MutualTlsAuthentication") != nil {
			s.ds.add(s.file, r.key, Warning, r.id+".MutualTlsAuthentication", "mutual TLS of template domains is not enforced locally")
		}
		byName[name] = d
		order = append(order, name)
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::ApiMapping") {
		c := evalCtx{s: s, path: r.id}
		if _, ok := s.exists(c, r.id); !ok {
			continue
		}
		p, ok := s.props(r)
		if !ok {
			continue
		}
		d := byName[str(p, "DomainName")]
		if d == nil {
			s.ds.add(s.file, r.key, Warning, r.id+".DomainName", "domain name %s is not declared in the template; the mapping is not served", str(p, "DomainName"))
			continue
		}
		apiID, stage := str(p, "ApiId"), str(p, "Stage")
		ar := apis[apiID]
		if ar == nil {
			continue // reported with the API
		}
		found := false
		for _, st := range ar.api.Stages {
			found = found || st.StageName == stage
		}
		if !found {
			s.ds.add(s.file, r.key, Error, r.id+".Stage", "Invalid stage identifier specified: stage %s of API %s does not exist", stage, ar.id)
			continue
		}
		ref, _ := s.refOf(c, r.key, r)
		d.Mappings = append(d.Mappings, model.APIMapping{APIMappingID: ref.Value, APIID: apiID, Stage: stage, APIMappingKey: strings.Trim(str(p, "ApiMappingKey"), "/")})
	}
	for _, n := range order {
		set.Domains = append(set.Domains, *byName[n])
	}
}

// buildAPI builds one AWS::ApiGatewayV2::Api.
func (s *stack) buildAPI(r *resource) *API {
	o := s.set.opts
	apiID := s.apiIDOf(r)
	a := &API{LogicalID: r.id, StackName: s.name, StackPath: s.path}
	props := r.props
	c := evalCtx{s: s, path: r.id}
	if pt, _ := scalar(get(props, "ProtocolType")); strings.EqualFold(pt, "WEBSOCKET") {
		s.ds.add(s.file, get(props, "ProtocolType"), Warning, r.id+".ProtocolType", "WebSocket APIs are not served by apigw")
		return nil
	}
	for _, k := range []string{"ApiKeySelectionExpression", "DisableSchemaValidation"} {
		if n := get(props, k); n != nil {
			s.ds.add(s.file, n, Warning, r.id+"."+k, "%s is WebSocket-only; ignored", k)
		}
	}
	if rse := get(props, "RouteSelectionExpression"); rse != nil {
		if v, _ := scalar(rse); v != model.RouteSelectionExpressionHTTP {
			s.ds.add(s.file, rse, Error, r.id+".RouteSelectionExpression", "RouteSelectionExpression of an HTTP API must be %s", model.RouteSelectionExpressionHTTP)
			return nil
		}
	}
	if loc := get(props, "BodyS3Location"); loc != nil {
		s.ds.add(s.file, loc, Error, r.id+".BodyS3Location", "cannot fetch S3 objects; use a local path (sam DefinitionUri) or Body")
		return nil
	}
	var def model.Definition
	if body := get(props, "Body"); body != nil {
		d, ok := s.importBody(r, body)
		if !ok {
			return nil
		}
		def = d
	} else {
		name, _ := c.propString(s, r, "Name")
		pt, _ := c.propString(s, r, "ProtocolType")
		if name == "" || pt == "" {
			s.ds.add(s.file, r.key, Error, r.id, "Name and ProtocolType are required for an API without Body")
			return nil
		}
		def.API = model.API{Name: name, ProtocolType: model.ProtocolHTTP, RouteSelectionExpression: model.RouteSelectionExpressionHTTP,
			APIKeySelectionExpression: model.APIKeySelectionExpressionDefault, Tags: map[string]string{}}
	}
	def.API.APIID = apiID
	if def.API.Tags == nil {
		def.API.Tags = map[string]string{}
	}
	if v, ok := c.propString(s, r, "Name"); ok && v != "" && get(props, "Body") != nil {
		def.API.Name = v
	}
	if v, ok := c.propString(s, r, "Description"); ok && v != "" {
		def.API.Description = v
	}
	if v, ok := c.propString(s, r, "Version"); ok && v != "" {
		def.API.Version = v
	}
	if n := get(props, "DisableExecuteApiEndpoint"); n != nil {
		if v, ok := c.eval(n); ok {
			def.API.DisableExecuteAPIEndpoint, _ = boolOf(v)
		}
	}
	if n := get(props, "Tags"); n != nil {
		if v, ok := (evalCtx{s: s, path: r.id + ".Tags"}).eval(n); ok {
			for _, p := range pairs(v) {
				def.API.Tags[p.key.Value], _ = stringOf(p.val)
			}
		}
	}
	if n := get(props, "CorsConfiguration"); n != nil {
		if v, ok := (evalCtx{s: s, path: r.id + ".CorsConfiguration"}).eval(n); ok && v != nil {
			def.API.CORSConfiguration = s.corsOf(r, v)
		}
	}
	a.Definition = def
	if t := get(props, "Target"); t != nil {
		s.quickCreate(r, a, t)
	} else {
		for _, k := range []string{"RouteKey", "CredentialsArn"} {
			if n := get(props, k); n != nil {
				s.ds.add(s.file, n, Error, r.id+"."+k, "%s is only supported with Target (quick create)", k)
			}
		}
	}
	_ = o
	return a
}

// importBody imports an API's Body through the OpenAPI importer, as
// ImportApi would, after resolving intrinsic functions.
func (s *stack) importBody(r *resource, body *yaml.Node) (model.Definition, bool) {
	path := r.id + ".Body"
	file := s.fileOf(body)
	resolved := body
	if f, ok := scalar(get(r.props, bodyFileKey)); ok {
		file = f // DefinitionUri: imported as is
	} else {
		v, ok := (evalCtx{s: s, path: path}).eval(body)
		if !ok {
			return model.Definition{}, false
		}
		resolved = v
	}
	c := evalCtx{s: s, path: r.id}
	fow := false
	if n := get(r.props, "FailOnWarnings"); n != nil {
		if v, ok := c.eval(n); ok {
			fow, _ = boolOf(v)
		}
	}
	basepath := ""
	if n := get(r.props, "BasePath"); n != nil {
		basepath, _ = c.propString(s, r, "BasePath")
	}
	res, err := openapi.ImportNode(resolved, openapi.Options{
		Filename: file, Region: s.set.opts.Region, AccountID: s.set.opts.AccountID, FailOnWarnings: fow, Basepath: basepath,
	})
	fromSAM := r.generatedBy != ""
	conv := func(d openapi.Diagnostic) {
		sev := map[openapi.Severity]Severity{openapi.Info: Info, openapi.Warning: Warning, openapi.Error: Error}[d.Severity]
		if fromSAM && sev == Warning && strings.Contains(d.Message, "Resource $default should start with /") {
			// SAM's own artefact for an event without Path and Method: AWS
			// serves the $default route.
			sev = Info
		}
		s.ds.add(d.File, &yaml.Node{Line: d.Line, Column: d.Column}, sev, path, "%s", d.Message)
	}
	var ie *openapi.ImportError
	if errors.As(err, &ie) {
		for _, d := range ie.Diagnostics {
			conv(d)
		}
		return model.Definition{}, false
	} else if err != nil {
		s.ds.add(file, body, Error, path, "%v", err)
		return model.Definition{}, false
	}
	for _, d := range res.Diagnostics {
		conv(d)
	}
	return res.Definition, true
}

// corsOf reads a CloudFormation Cors value.
func (s *stack) corsOf(r *resource, v *yaml.Node) *model.CORS {
	out := &model.CORS{}
	list := func(n *yaml.Node) []string {
		var l []string
		for _, x := range children(n) {
			str, _ := stringOf(x)
			l = append(l, str)
		}
		return l
	}
	for _, p := range pairs(v) {
		switch p.key.Value {
		case "AllowOrigins":
			out.AllowOrigins = list(p.val)
		case "AllowHeaders":
			out.AllowHeaders = list(p.val)
		case "AllowMethods":
			out.AllowMethods = list(p.val)
		case "ExposeHeaders":
			out.ExposeHeaders = list(p.val)
		case "MaxAge":
			if i, ok := intOf(p.val); ok {
				out.MaxAge = &i
			}
		case "AllowCredentials":
			if b, ok := boolOf(p.val); ok {
				out.AllowCredentials = &b
			}
		default:
			s.ds.add(s.file, p.key, Error, r.id+".CorsConfiguration."+p.key.Value, "unknown CORS property %s", p.key.Value)
		}
	}
	return out
}

// quickCreate builds the managed integration, route and $default stage of
// an API with Target.
func (s *stack) quickCreate(r *resource, a *API, t *yaml.Node) {
	c := evalCtx{s: s, path: r.id + ".Target"}
	v, ok := c.eval(t)
	if !ok {
		return
	}
	target, _ := stringOf(v)
	in := model.Integration{IntegrationID: physicalID(s.name, s.path, r.id+"/quick", integrationIDLen), APIGatewayManaged: true}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		in.IntegrationType, in.IntegrationMethod, in.PayloadFormatVersion = model.IntegrationHTTPProxy, "ANY", "1.0"
	} else {
		in.IntegrationType, in.IntegrationMethod, in.PayloadFormatVersion = model.IntegrationAWSProxy, "POST", "2.0"
	}
	in.IntegrationURI = target
	in.TimeoutInMillis = model.DefaultTimeoutInMillis
	in.ConnectionType = model.ConnectionInternet
	if cr, ok := (evalCtx{s: s, path: r.id}).propString(s, r, "CredentialsArn"); ok && cr != "" {
		in.CredentialsARN = cr
	}
	key := model.DefaultRouteKey
	if rk, ok := (evalCtx{s: s, path: r.id}).propString(s, r, "RouteKey"); ok && rk != "" {
		key = rk
	}
	route := model.Route{RouteID: physicalID(s.name, s.path, r.id+"/quick", routeIDLen), RouteKey: key,
		Target: "integrations/" + in.IntegrationID, AuthorizationType: model.AuthNone, APIGatewayManaged: true}
	a.Definition.Integrations = append(a.Definition.Integrations, in)
	a.Definition.Routes = append(a.Definition.Routes, route)
	a.Stages = append(a.Stages, model.Stage{StageName: model.DefaultStageName, AutoDeploy: true, APIGatewayManaged: true,
		RouteSettings: map[string]model.RouteSettings{}, StageVariables: map[string]string{}, Tags: map[string]string{}})
	if in.IntegrationType == model.IntegrationAWSProxy {
		s.needPermission(r, target, in.CredentialsARN != "", "route "+key)
	}
}

// attach adds routes, integrations, authorizers, stages and overrides to
// the APIs they name.
func (s *stack) attach(apis map[string]*resource) {
	apiOf := func(r *resource) *API {
		c := evalCtx{s: s, path: r.id + ".ApiId"}
		if _, ok := s.exists(c, r.id); !ok {
			return nil
		}
		id, ok := c.propString(s, r, "ApiId")
		if !ok {
			return nil
		}
		ar := apis[id]
		if ar == nil {
			// An API of another stack (ImportValue) or a failed one.
			if id != "" && !s.set.apiKnown(id) {
				s.ds.add(s.file, get(r.props, "ApiId"), Error, r.id+".ApiId", "Invalid API identifier specified %s", id)
			}
			return nil
		}
		return ar.api
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::Authorizer") {
		if a := apiOf(r); a != nil {
			s.authorizer(r, a)
		}
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::Integration") {
		if a := apiOf(r); a != nil {
			s.integration(r, a)
		}
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::Route") {
		if a := apiOf(r); a != nil {
			if get(apis[a.Definition.API.APIID].props, "Body") != nil {
				s.ds.add(s.file, r.key, Warning, r.id, "mixing Body with AWS::ApiGatewayV2::Route resources: API Gateway drops these routes on the next stack update")
			}
			s.route(r, a)
		}
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::ApiGatewayManagedOverrides") {
		if a := apiOf(r); a != nil {
			s.overridesOf(r, a, apis[a.Definition.API.APIID])
		}
	}
	for _, r := range s.ofType("AWS::ApiGatewayV2::Stage") {
		if a := apiOf(r); a != nil {
			s.stage(r, a)
		}
	}
	for _, ar := range apis {
		a := ar.api
		keys := map[string]bool{}
		for _, rt := range a.Definition.Routes {
			keys[rt.RouteKey] = true
		}
		for _, ev := range s.uriEvents {
			if ev.api != ar.id {
				continue
			}
			key := strings.ToUpper(ev.method) + " " + ev.path
			switch {
			case ev.method == anyMethodKey && (ev.path == "$default" || ev.path == "/$default"):
				key = model.DefaultRouteKey
			case ev.method == anyMethodKey:
				key = "ANY " + ev.path
			}
			if !keys[key] {
				s.ds.add(s.file, ev.at, Warning, ev.fn, "the DefinitionUri document of %s has no route %s: on AWS this event routes nothing (SAM does not edit DefinitionUri documents)", ev.api, key)
			}
		}
		for _, st := range a.Stages {
			for _, k := range sortedKeys(st.RouteSettings) {
				if !keys[k] {
					s.ds.add(s.file, ar.key, Error, ar.id, "Unable to find Route by key %s within the provided RouteSettings (stage %s)", k, st.StageName)
				}
			}
		}
		if len(a.Stages) == 0 {
			s.ds.add(s.file, ar.key, Warning, ar.id, "API %s has no stage: nothing is served (as on AWS)", ar.id)
		}
		if ar.typ == "AWS::ApiGatewayV2::Api" && len(a.Definition.Routes) == 0 && len(a.Stages) > 0 && ar.generatedBy == "" {
			s.ds.add(s.file, ar.key, Warning, ar.id, "API %s has no routes", ar.id)
		}
		if s.src.JWTLocalIssuer {
			for i := range a.Definition.Authorizers {
				az := &a.Definition.Authorizers[i]
				if az.AuthorizerType == model.AuthorizerJWT && az.JWTConfiguration != nil {
					az.JWTConfiguration.Issuer = s.set.opts.LocalIssuer
				}
			}
		}
		if err := a.Definition.Validate(); err != nil {
			for _, ve := range model.AsValidationErrors(err) {
				s.ds.add(s.file, ar.key, Error, ar.id, "%s", ve.Error())
			}
		}
		// Lambda integrations and authorizers of SAM and Body APIs.
		for _, in := range a.Definition.Integrations {
			if in.IntegrationType == model.IntegrationAWSProxy && in.IntegrationSubtype == "" {
				s.needPermission(ar, in.IntegrationURI, in.CredentialsARN != "", "integration "+in.IntegrationID)
			}
		}
		for _, az := range a.Definition.Authorizers {
			if az.AuthorizerType == model.AuthorizerRequest {
				s.needPermission(ar, az.AuthorizerURI, az.AuthorizerCredentialsARN != "", "authorizer "+az.Name)
			}
		}
	}
}

func (s *stack) props(r *resource) (*yaml.Node, bool) {
	return evalCtx{s: s, path: r.id}.eval(r.props)
}

func str(n *yaml.Node, key string) string {
	v, _ := stringOf(get(n, key))
	return v
}

func strList(n *yaml.Node) []string {
	var out []string
	for _, c := range children(n) {
		v, _ := stringOf(c)
		out = append(out, v)
	}
	return out
}

// authorizer adds an AWS::ApiGatewayV2::Authorizer.
func (s *stack) authorizer(r *resource, a *API) {
	p, ok := s.props(r)
	if !ok {
		return
	}
	ref, _ := s.refOf(evalCtx{s: s, path: r.id}, r.key, r)
	az := model.Authorizer{AuthorizerID: ref.Value, Name: str(p, "Name"), AuthorizerType: str(p, "AuthorizerType"),
		AuthorizerURI: str(p, "AuthorizerUri"), AuthorizerCredentialsARN: str(p, "AuthorizerCredentialsArn"),
		IdentityValidationExpression: str(p, "IdentityValidationExpression")}
	if az.Name == "" {
		az.Name = r.id
	}
	if is := get(p, "IdentitySource"); is != nil {
		if is.Kind == yaml.SequenceNode {
			az.IdentitySource = strList(is)
		} else if v, ok := stringOf(is); ok {
			for _, x := range strings.Split(v, ",") {
				az.IdentitySource = append(az.IdentitySource, strings.TrimSpace(x))
			}
		}
	}
	if jc := get(p, "JwtConfiguration"); jc != nil {
		az.JWTConfiguration = &model.JWTConfiguration{Issuer: str(jc, "Issuer"), Audience: strList(get(jc, "Audience"))}
	}
	if v := str(p, "AuthorizerPayloadFormatVersion"); v != "" {
		az.AuthorizerPayloadFormatVersion = payloadVersion(v)
	}
	if b, ok := boolOf(get(p, "EnableSimpleResponses")); ok {
		az.EnableSimpleResponses = b
	}
	if i, ok := intOf(get(p, "AuthorizerResultTtlInSeconds")); ok {
		az.AuthorizerResultTTLInSeconds = &i
	}
	a.Definition.Authorizers = append(a.Definition.Authorizers, az)
}

// integration adds an AWS::ApiGatewayV2::Integration.
func (s *stack) integration(r *resource, a *API) {
	p, ok := s.props(r)
	if !ok {
		return
	}
	ref, _ := s.refOf(evalCtx{s: s, path: r.id}, r.key, r)
	in := model.Integration{IntegrationID: ref.Value, IntegrationType: strings.ToUpper(str(p, "IntegrationType")),
		IntegrationSubtype: str(p, "IntegrationSubtype"), IntegrationURI: str(p, "IntegrationUri"),
		IntegrationMethod: str(p, "IntegrationMethod"), PayloadFormatVersion: payloadVersion(str(p, "PayloadFormatVersion")),
		ConnectionType: str(p, "ConnectionType"), ConnectionID: str(p, "ConnectionId"), CredentialsARN: str(p, "CredentialsArn"),
		Description: str(p, "Description")}
	if in.ConnectionType == "" {
		in.ConnectionType = model.ConnectionInternet
	}
	if in.PayloadFormatVersion == "" {
		if in.IntegrationType == model.IntegrationAWSProxy && in.IntegrationSubtype == "" {
			s.ds.add(s.file, r.key, Error, r.id+".PayloadFormatVersion", "PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs")
		}
		in.PayloadFormatVersion = "1.0"
	}
	if i, ok := intOf(get(p, "TimeoutInMillis")); ok {
		in.TimeoutInMillis = i
	} else {
		in.TimeoutInMillis = model.DefaultTimeoutInMillis
	}
	if rp := get(p, "RequestParameters"); rp != nil {
		in.RequestParameters = map[string]string{}
		for _, q := range pairs(rp) {
			in.RequestParameters[q.key.Value], _ = stringOf(q.val)
		}
	}
	if rp := get(p, "ResponseParameters"); rp != nil {
		in.ResponseParameters = map[string]map[string]string{}
		for _, q := range pairs(rp) {
			m := map[string]string{}
			// CloudFormation's shape: {"200": {ResponseParameters: [{Source, Destination}]}}.
			if list := get(q.val, "ResponseParameters"); list != nil {
				for _, e := range children(list) {
					m[str(e, "Destination")] = str(e, "Source")
				}
			} else {
				for _, e := range pairs(q.val) {
					m[e.key.Value], _ = stringOf(e.val)
				}
			}
			in.ResponseParameters[q.key.Value] = m
		}
	}
	if tc := get(p, "TlsConfig"); tc != nil {
		in.TLSConfig = &model.TLSConfig{ServerNameToVerify: str(tc, "ServerNameToVerify")}
	}
	for _, k := range []string{"ContentHandlingStrategy", "PassthroughBehavior", "RequestTemplates", "TemplateSelectionExpression", "IntegrationResponseSelectionExpression"} {
		if n := get(r.props, k); n != nil {
			s.ds.add(s.file, n, Warning, r.id+"."+k, "%s is WebSocket-only; ignored", k)
		}
	}
	a.Definition.Integrations = append(a.Definition.Integrations, in)
}

// route adds an AWS::ApiGatewayV2::Route.
func (s *stack) route(r *resource, a *API) {
	p, ok := s.props(r)
	if !ok {
		return
	}
	ref, _ := s.refOf(evalCtx{s: s, path: r.id}, r.key, r)
	rt := model.Route{RouteID: ref.Value, RouteKey: str(p, "RouteKey"), AuthorizationType: strings.ToUpper(str(p, "AuthorizationType")),
		AuthorizerID: str(p, "AuthorizerId"), AuthorizationScopes: strList(get(p, "AuthorizationScopes")), OperationName: str(p, "OperationName")}
	if rt.AuthorizationType == "" {
		rt.AuthorizationType = model.AuthNone
	}
	if t := str(p, "Target"); t != "" {
		id, ok := strings.CutPrefix(t, "integrations/")
		found := false
		for _, in := range a.Definition.Integrations {
			if in.IntegrationID == id {
				found = true
			}
		}
		if !ok || !found {
			s.ds.add(s.file, get(r.props, "Target"), Error, r.id+".Target", "Target %q must be integrations/{id} of an integration of the same API", t)
			return
		}
		rt.Target = t
	}
	if rt.AuthorizationType == model.AuthJWT {
		ok := false
		for _, az := range a.Definition.Authorizers {
			if az.AuthorizerID == rt.AuthorizerID && az.AuthorizerType == model.AuthorizerJWT {
				ok = true
			}
		}
		if !ok {
			s.ds.add(s.file, r.key, Error, r.id+".AuthorizerId", "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer.")
			return
		}
	}
	for _, k := range []string{"ApiKeyRequired", "RequestModels", "ModelSelectionExpression", "RouteResponseSelectionExpression", "RequestParameters"} {
		if n := get(r.props, k); n != nil {
			s.ds.add(s.file, n, Warning, r.id+"."+k, "%s is WebSocket-only; ignored", k)
		}
	}
	for _, x := range a.Definition.Routes {
		if x.RouteKey == rt.RouteKey {
			s.ds.add(s.file, r.key, Error, r.id+".RouteKey", "ConflictException: Route with key %s already exists for this API", rt.RouteKey)
			return
		}
	}
	a.Definition.Routes = append(a.Definition.Routes, rt)
}

// overridesOf applies AWS::ApiGatewayV2::ApiGatewayManagedOverrides.
func (s *stack) overridesOf(r *resource, a *API, ar *resource) {
	if get(ar.props, "Target") == nil {
		s.ds.add(s.file, r.key, Error, r.id, "ApiGatewayManagedOverrides applies only to an API created with Target (quick create)")
		return
	}
	p, ok := s.props(r)
	if !ok {
		return
	}
	if rt := get(p, "Route"); rt != nil && len(a.Definition.Routes) > 0 {
		x := &a.Definition.Routes[0]
		if v := str(rt, "AuthorizationType"); v != "" {
			x.AuthorizationType = v
		}
		if v := str(rt, "AuthorizerId"); v != "" {
			x.AuthorizerID = v
		}
		if v := strList(get(rt, "AuthorizationScopes")); v != nil {
			x.AuthorizationScopes = v
		}
		if v := str(rt, "OperationName"); v != "" {
			x.OperationName = v
		}
	}
	if in := get(p, "Integration"); in != nil && len(a.Definition.Integrations) > 0 {
		x := &a.Definition.Integrations[0]
		if v := str(in, "Description"); v != "" {
			x.Description = v
		}
		if v := str(in, "IntegrationMethod"); v != "" {
			x.IntegrationMethod = v
		}
		if v := str(in, "PayloadFormatVersion"); v != "" {
			x.PayloadFormatVersion = payloadVersion(v)
		}
		if v, ok := intOf(get(in, "TimeoutInMillis")); ok {
			x.TimeoutInMillis = v
		}
	}
	if st := get(p, "Stage"); st != nil && len(a.Stages) > 0 {
		s.stageSettings(r, &a.Stages[0], st)
	}
}

// stage adds an AWS::ApiGatewayV2::Stage.
func (s *stack) stage(r *resource, a *API) {
	p, ok := s.props(r)
	if !ok {
		return
	}
	name := str(p, "StageName")
	for _, x := range a.Stages {
		if x.StageName == name {
			s.ds.add(s.file, r.key, Error, r.id+".StageName", "Stage already exists")
			return
		}
	}
	st := model.Stage{StageName: name, Description: str(p, "Description"), RouteSettings: map[string]model.RouteSettings{},
		StageVariables: map[string]string{}, Tags: map[string]string{}}
	st.AutoDeploy, _ = boolOf(get(p, "AutoDeploy"))
	if !st.AutoDeploy && get(p, "DeploymentId") == nil {
		s.ds.add(s.file, r.key, Warning, r.id, "stage %s has AutoDeploy false and no DeploymentId: it serves nothing (as on AWS)", name)
		return
	}
	if !st.AutoDeploy {
		// An explicit deployment serves the API as the template defines it
		// (compatibility.md#template-deployments).
		st.AutoDeploy = true
	}
	s.stageSettings(r, &st, p)
	if cc := get(p, "ClientCertificateId"); cc != nil {
		s.ds.add(s.file, get(r.props, "ClientCertificateId"), Warning, r.id+".ClientCertificateId", "ClientCertificateId is WebSocket-only; ignored")
	}
	a.Stages = append(a.Stages, st)
}

// stageSettings reads the settings a Stage and a stage override share.
func (s *stack) stageSettings(r *resource, st *model.Stage, p *yaml.Node) {
	for _, q := range pairs(get(p, "StageVariables")) {
		st.StageVariables[q.key.Value], _ = stringOf(q.val)
	}
	if d := get(p, "DefaultRouteSettings"); d != nil {
		rs := s.routeSettings(r, d)
		st.DefaultRouteSettings = &rs
	}
	for _, q := range pairs(get(p, "RouteSettings")) {
		st.RouteSettings[q.key.Value] = s.routeSettings(r, q.val)
	}
	if al := get(p, "AccessLogSettings"); al != nil {
		dest := strings.TrimSuffix(str(al, "DestinationArn"), ":*")
		st.AccessLogSettings = &model.AccessLogSettings{DestinationARN: dest, Format: str(al, "Format")}
	}
	if v, ok := boolOf(get(p, "AutoDeploy")); ok && r.typ == "AWS::ApiGatewayV2::ApiGatewayManagedOverrides" {
		st.AutoDeploy = v
	}
	for _, q := range pairs(get(p, "Tags")) {
		st.Tags[q.key.Value], _ = stringOf(q.val)
	}
}

func (s *stack) routeSettings(r *resource, n *yaml.Node) model.RouteSettings {
	var rs model.RouteSettings
	for _, q := range pairs(n) {
		switch q.key.Value {
		case "ThrottlingBurstLimit":
			if i, ok := intOf(q.val); ok {
				rs.ThrottlingBurstLimit = &i
			}
		case "ThrottlingRateLimit":
			if f, err := strconv.ParseFloat(q.val.Value, 64); err == nil {
				rs.ThrottlingRateLimit = &f
			}
		case "DetailedMetricsEnabled":
			if b, ok := boolOf(q.val); ok {
				rs.DetailedMetricsEnabled = &b
			}
		case "DataTraceEnabled", "LoggingLevel":
			s.ds.add(s.file, q.key, Warning, r.id+"."+q.key.Value, "%s is WebSocket-only; ignored for HTTP APIs", q.key.Value)
		default:
			s.ds.add(s.file, q.key, Error, r.id+"."+q.key.Value, "unknown route setting %s", q.key.Value)
		}
	}
	return rs
}
