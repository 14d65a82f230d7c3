package model

import (
	"net/url"
	"strconv"
	"strings"
)

// Validate checks an authorizer (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
//
//   - name 1..128 characters; authorizerType JWT or REQUEST;
//   - JWT: exactly one identity source, a $request.header.{name} or
//     $request.querystring.{name} selection; jwtConfiguration with an
//     absolute http(s) issuer URL of at most 2048 characters and 1..50
//     audiences; no REQUEST-only member (authorizerUri, payload format,
//     simple responses, a TTL above 0, credentials);
//   - REQUEST: a Lambda invocation URI of at most 2048 characters,
//     authorizerPayloadFormatVersion 1.0 or 2.0, enableSimpleResponses only
//     with 2.0, identity sources of the forms $request.header.{name},
//     $request.querystring.{name}, $context.{name}, $stageVariables.{name},
//     at least one of them when the TTL is above 0, no jwtConfiguration;
//   - authorizerResultTtlInSeconds 0..3600 (unset means 0, no caching).
func (a *Authorizer) Validate() error {
	c := &collector{resource: ResourceAuthorizer, id: a.AuthorizerID}
	if c.id == "" {
		c.id = a.Name
	}
	c.length("name", a.Name, 1, 128)
	ttl := 0
	if a.AuthorizerResultTTLInSeconds != nil {
		ttl = *a.AuthorizerResultTTLInSeconds
		if ttl < 0 || ttl > MaxAuthorizerTTL {
			c.addf("authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds must be between 0 and %d", MaxAuthorizerTTL)
		}
	}
	c.length("identityValidationExpression", a.IdentityValidationExpression, 0, 1024)
	switch a.AuthorizerType {
	case AuthorizerJWT:
		a.validateJWT(c, ttl)
	case AuthorizerRequest:
		a.validateRequest(c, ttl)
	case "":
		c.add("authorizerType", "authorizerType is required")
	default:
		c.addf("authorizerType", "Invalid authorizerType %q; HTTP APIs support JWT and REQUEST", a.AuthorizerType)
	}
	return c.err()
}

func (a *Authorizer) validateJWT(c *collector, ttl int) {
	if len(a.IdentitySource) != 1 {
		c.add("identitySource", "JWT authorizers require exactly one identity source")
	}
	for i, s := range a.IdentitySource {
		if !validIdentitySource(s, true) {
			e := c.add(FieldKey("identitySource", strconv.Itoa(i)), "Invalid identity source "+strconv.Quote(s)+" for a JWT authorizer")
			e.Detail = "want $request.header.{name} or $request.querystring.{name}"
		}
	}
	jc := a.JWTConfiguration
	if jc == nil {
		c.add("jwtConfiguration", "jwtConfiguration is required for JWT authorizers")
	} else {
		switch {
		case jc.Issuer == "":
			c.add("jwtConfiguration.issuer", "jwtConfiguration.issuer is required for JWT authorizers")
		case len(jc.Issuer) > 2048 || !absoluteHTTPURL(jc.Issuer):
			c.add("jwtConfiguration.issuer", "jwtConfiguration.issuer must be an absolute http or https URL of at most 2048 characters")
		}
		switch {
		case len(jc.Audience) == 0:
			c.add("jwtConfiguration.audience", "jwtConfiguration.audience must list at least one audience for JWT authorizers")
		case len(jc.Audience) > MaxAudiencesPerJWT:
			c.addf("jwtConfiguration.audience", "A JWT authorizer can have at most %d audiences", MaxAudiencesPerJWT)
		}
		for i, au := range jc.Audience {
			if au == "" {
				c.add(FieldKey("jwtConfiguration.audience", strconv.Itoa(i)), "Audiences must not be empty")
			}
		}
	}
	onlyRequest := func(field string) {
		c.addf(field, "%s is supported only for REQUEST authorizers", field)
	}
	if a.AuthorizerURI != "" {
		onlyRequest("authorizerUri")
	}
	if a.AuthorizerPayloadFormatVersion != "" {
		onlyRequest("authorizerPayloadFormatVersion")
	}
	if a.EnableSimpleResponses {
		onlyRequest("enableSimpleResponses")
	}
	if ttl > 0 {
		onlyRequest("authorizerResultTtlInSeconds")
	}
	if a.AuthorizerCredentialsARN != "" {
		onlyRequest("authorizerCredentialsArn")
	}
}

func (a *Authorizer) validateRequest(c *collector, ttl int) {
	switch {
	case a.AuthorizerURI == "":
		c.add("authorizerUri", "authorizerUri is required for REQUEST authorizers")
	case len(a.AuthorizerURI) > 2048 || !ValidLambdaInvocationURI(a.AuthorizerURI):
		e := c.add("authorizerUri", "Invalid authorizerUri specified")
		e.Detail = "want arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations"
	}
	switch a.AuthorizerPayloadFormatVersion {
	case "1.0":
		if a.EnableSimpleResponses {
			c.add("enableSimpleResponses", "enableSimpleResponses is supported only with authorizerPayloadFormatVersion 2.0")
		}
	case "2.0":
	case "":
		c.add("authorizerPayloadFormatVersion", "authorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs; must be 1.0 or 2.0")
	default:
		c.addf("authorizerPayloadFormatVersion", "Invalid authorizerPayloadFormatVersion %q; must be 1.0 or 2.0", a.AuthorizerPayloadFormatVersion)
	}
	for i, s := range a.IdentitySource {
		if !validIdentitySource(s, false) {
			e := c.add(FieldKey("identitySource", strconv.Itoa(i)), "Invalid identity source "+strconv.Quote(s))
			e.Detail = "want $request.header.{name}, $request.querystring.{name}, $context.{name} or $stageVariables.{name}"
		}
	}
	if ttl > 0 && len(a.IdentitySource) == 0 {
		c.add("identitySource", "An identity source is required when authorizerResultTtlInSeconds is greater than 0")
	}
	if a.JWTConfiguration != nil {
		c.add("jwtConfiguration", "jwtConfiguration is supported only for JWT authorizers")
	}
	if a.AuthorizerCredentialsARN != "" && !validCredentialsARN(a.AuthorizerCredentialsARN) {
		c.add("authorizerCredentialsArn", "Invalid authorizerCredentialsArn; must be an IAM role ARN")
	}
}

// validIdentitySource checks one identity source selection expression;
// JWT authorizers accept only headers and query strings.
func validIdentitySource(s string, jwt bool) bool {
	type form struct {
		prefix string
		ok     func(byte) bool
	}
	forms := []form{
		{"$request.header.", isHeaderChar},
		{"$request.querystring.", isQueryNameChar},
	}
	if !jwt {
		forms = append(forms, form{"$context.", isContextChar}, form{"$stageVariables.", isWordChar})
	}
	for _, f := range forms {
		if n, ok := strings.CutPrefix(s, f.prefix); ok {
			return n != "" && allChars(n, f.ok)
		}
	}
	return false
}

func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
