package model

import (
	"net/url"
	"strings"
)

// Validate checks an integration of an HTTP API
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html):
//
//   - integrationType AWS_PROXY or HTTP_PROXY (AWS, HTTP and MOCK are
//     WebSocket-only);
//   - AWS_PROXY without subtype: a Lambda function ARN, qualified ARN or
//     invocation URI (stage-variable placeholders allowed), payload format
//     1.0 or 2.0 (required);
//   - AWS_PROXY with a subtype of an AWS service integration
//     (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html): every required parameter present, no
//     unknown parameter, payload format 1.0, credentialsArn required;
//   - HTTP_PROXY: integrationMethod required; an absolute http(s) URL over
//     INTERNET, or an ALB/NLB listener ARN or Cloud Map service ARN over
//     VPC_LINK with a connectionId; payload format 1.0;
//   - timeoutInMillis 50..30000 when set, connectionType INTERNET or
//     VPC_LINK, tlsConfig only for private integrations;
//   - request and response parameter mappings (keys, reserved headers,
//     values of at most 512 characters).
func (i *Integration) Validate() error {
	c := &collector{resource: ResourceIntegration, id: i.IntegrationID}
	switch i.IntegrationType {
	case IntegrationAWSProxy, IntegrationHTTPProxy:
	case IntegrationAWS, IntegrationHTTP, IntegrationMock:
		c.addf("integrationType", "Integration type %s is not supported for HTTP APIs; use AWS_PROXY or HTTP_PROXY", i.IntegrationType)
	case "":
		c.add("integrationType", "integrationType is required")
	default:
		c.addf("integrationType", "Invalid integrationType %q; HTTP APIs support AWS_PROXY and HTTP_PROXY", i.IntegrationType)
	}
	switch i.ConnectionType {
	case "", ConnectionInternet:
		if i.ConnectionID != "" {
			c.add("connectionId", "connectionId can only be set when connectionType is VPC_LINK")
		}
	case ConnectionVPCLink:
		if i.IntegrationType != IntegrationHTTPProxy {
			c.add("connectionType", "VPC_LINK connections are supported only for HTTP_PROXY integrations")
		}
		if i.ConnectionID == "" {
			c.add("connectionId", "connectionId is required when connectionType is VPC_LINK")
		}
	default:
		c.addf("connectionType", "Invalid connectionType %q; must be INTERNET or VPC_LINK", i.ConnectionType)
	}
	if i.TimeoutInMillis != 0 && (i.TimeoutInMillis < MinTimeoutInMillis || i.TimeoutInMillis > MaxTimeoutInMillis) {
		c.addf("timeoutInMillis", "timeoutInMillis must be between %d and %d", MinTimeoutInMillis, MaxTimeoutInMillis)
	}
	if i.IntegrationMethod != "" && !validMethod(i.IntegrationMethod) {
		c.addf("integrationMethod", "Invalid integrationMethod %q; must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY", i.IntegrationMethod)
	}
	c.length("description", i.Description, 0, MaxDescriptionLen)
	if i.CredentialsARN != "" && !validCredentialsARN(i.CredentialsARN) {
		c.add("credentialsArn", "Invalid credentialsArn; must be an IAM role ARN (arn:aws:iam::{account}:role/{name}) or arn:aws:iam::*:user/*")
	}
	if i.TLSConfig != nil && i.ConnectionType != ConnectionVPCLink {
		c.add("tlsConfig", "tlsConfig is supported only for private integrations (connectionType VPC_LINK)")
	}
	if i.IntegrationSubtype != "" && i.IntegrationType != IntegrationAWSProxy {
		c.add("integrationSubtype", "integrationSubtype is supported only for AWS_PROXY integrations")
	}

	switch {
	case i.IntegrationType == IntegrationAWSProxy && i.IntegrationSubtype != "":
		i.validateService(c)
	case i.IntegrationType == IntegrationAWSProxy:
		i.validateLambda(c)
	case i.IntegrationType == IntegrationHTTPProxy:
		i.validateHTTP(c)
	}
	if i.IntegrationSubtype == "" {
		validateRequestParameters(c, i.RequestParameters)
	}
	validateResponseParameters(c, i.ResponseParameters)
	return c.err()
}

func (i *Integration) validateLambda(c *collector) {
	switch {
	case i.IntegrationURI == "":
		c.add("integrationUri", "integrationUri is required for Lambda integrations")
	case !ValidLambdaURI(i.IntegrationURI):
		e := c.add("integrationUri", "Invalid integrationUri specified for a Lambda integration")
		e.Detail = "want arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}] or arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations"
	}
	switch i.PayloadFormatVersion {
	case "1.0", "2.0":
	case "":
		c.add("payloadFormatVersion", "payloadFormatVersion is required for Lambda integrations of HTTP APIs; must be 1.0 or 2.0")
	default:
		c.addf("payloadFormatVersion", "Invalid payloadFormatVersion %q; Lambda integrations support 1.0 and 2.0", i.PayloadFormatVersion)
	}
}

func (i *Integration) validateHTTP(c *collector) {
	if i.IntegrationMethod == "" {
		c.add("integrationMethod", "integrationMethod is required for HTTP_PROXY integrations")
	}
	checkPayload1(c, i.PayloadFormatVersion, "HTTP_PROXY integrations")
	if i.IntegrationURI == "" {
		c.add("integrationUri", "integrationUri is required for HTTP_PROXY integrations")
		return
	}
	if i.ConnectionType == ConnectionVPCLink {
		if !ValidPrivateIntegrationURI(i.IntegrationURI) {
			e := c.add("integrationUri", "Invalid integrationUri specified for a private integration")
			e.Detail = "want an Application or Network Load Balancer listener ARN or an AWS Cloud Map service ARN"
		}
		return
	}
	if !ValidHTTPURI(i.IntegrationURI) {
		e := c.add("integrationUri", "Invalid integrationUri specified; HTTP_PROXY integrations need an absolute http or https URL")
		e.Detail = i.IntegrationURI
	}
}

func checkPayload1(c *collector, v, what string) {
	switch v {
	case "", "1.0":
	default:
		c.addf("payloadFormatVersion", "Invalid payloadFormatVersion %q; %s support only 1.0", v, what)
	}
}

func (i *Integration) validateService(c *collector) {
	spec, ok := subtypeSpec(i.IntegrationSubtype)
	if !ok {
		e := c.addf("integrationSubtype", "Invalid integrationSubtype %q", i.IntegrationSubtype)
		e.Detail = "supported: " + strings.Join(subtypeNames(), ", ")
		return
	}
	checkPayload1(c, i.PayloadFormatVersion, "AWS service integrations")
	if i.CredentialsARN == "" {
		c.addf("credentialsArn", "credentialsArn is required for integration subtype %s", i.IntegrationSubtype)
	}
	for _, p := range spec.required {
		if _, ok := i.RequestParameters[p]; !ok {
			c.add("requestParameters", mappingError("selection", "Missing required parameter "+p+" for integration subtype "+i.IntegrationSubtype))
		}
	}
	for _, k := range sortedKeys(i.RequestParameters) {
		f := FieldKey("requestParameters", k)
		if !spec.has(k) {
			c.add(f, mappingError("selection", "Parameter "+k+" is not supported for integration subtype "+i.IntegrationSubtype))
			continue
		}
		v := i.RequestParameters[k]
		if v == "" || len([]rune(v)) > MaxParameterValueLen {
			c.add(f, mappingError("selection", "Invalid source: "+v+" specified for destination: "+k))
			continue
		}
		if detail := checkMappingValue(v, false); detail != "" {
			e := c.add(f, mappingError("selection", "Invalid source: "+v+" specified for destination: "+k))
			e.Detail = detail
		}
	}
}

// subtype lists the parameters of one AWS service integration subtype.
type subtype struct {
	required, optional []string
}

func (s subtype) has(p string) bool {
	for _, x := range s.required {
		if x == p {
			return true
		}
	}
	for _, x := range s.optional {
		if x == p {
			return true
		}
	}
	return false
}

// subtypeNames lists the AWS service integration subtypes in a stable order.
func subtypeNames() []string {
	return []string{
		"EventBridge-PutEvents",
		"SQS-SendMessage", "SQS-ReceiveMessage", "SQS-DeleteMessage", "SQS-PurgeQueue",
		"AppConfig-GetConfiguration",
		"Kinesis-PutRecord",
		"StepFunctions-StartExecution", "StepFunctions-StartSyncExecution", "StepFunctions-StopExecution",
	}
}

// subtypeSpec returns the parameters of an integration subtype
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html; names are case-sensitive, and every subtype
// also takes Region).
func subtypeSpec(name string) (subtype, bool) {
	var s subtype
	switch name {
	case "EventBridge-PutEvents":
		s = subtype{[]string{"Detail", "DetailType", "Source"}, []string{"Time", "EventBusName", "Resources", "TraceHeader"}}
	case "SQS-SendMessage":
		s = subtype{[]string{"QueueUrl", "MessageBody"}, []string{"DelaySeconds", "MessageAttributes", "MessageDeduplicationId", "MessageGroupId", "MessageSystemAttributes"}}
	case "SQS-ReceiveMessage":
		s = subtype{[]string{"QueueUrl"}, []string{"AttributeNames", "MaxNumberOfMessages", "MessageAttributeNames", "ReceiveRequestAttemptId", "VisibilityTimeout", "WaitTimeSeconds"}}
	case "SQS-DeleteMessage":
		s = subtype{[]string{"ReceiptHandle", "QueueUrl"}, nil}
	case "SQS-PurgeQueue":
		s = subtype{[]string{"QueueUrl"}, nil}
	case "AppConfig-GetConfiguration":
		s = subtype{[]string{"Application", "Environment", "Configuration", "ClientId"}, []string{"ClientConfigurationVersion"}}
	case "Kinesis-PutRecord":
		s = subtype{[]string{"StreamName", "Data", "PartitionKey"}, []string{"SequenceNumberForOrdering", "ExplicitHashKey"}}
	case "StepFunctions-StartExecution":
		s = subtype{[]string{"StateMachineArn"}, []string{"Name", "Input"}}
	case "StepFunctions-StartSyncExecution":
		s = subtype{[]string{"StateMachineArn"}, []string{"Name", "Input", "TraceHeader"}}
	case "StepFunctions-StopExecution":
		s = subtype{[]string{"ExecutionArn"}, []string{"Cause", "Error"}}
	default:
		return s, false
	}
	s.optional = append(s.optional, "Region")
	return s, true
}

// SubtypeParameters returns the required and optional request parameters
// of an AWS service integration subtype (Region included among the
// optional ones), and false for an unknown subtype.
func SubtypeParameters(name string) (required, optional []string, ok bool) {
	s, ok := subtypeSpec(name)
	return s.required, s.optional, ok
}

// ValidHTTPURI reports whether uri is an absolute http or https URL with a
// host. Path variables ({name}, {proxy}) and ${stageVariables.name}
// placeholders may appear anywhere, the host included.
func ValidHTTPURI(uri string) bool {
	s := replacePlaceholders(uri)
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != "" && u.User == nil
}

// replacePlaceholders turns ${stageVariables.x} and {var} into plain
// letters so that a URI template parses as a URL.
func replacePlaceholders(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${stageVariables."):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return s
			}
			b.WriteString("stagevar")
			i += end
		case s[i] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return s
			}
			b.WriteString("pathvar")
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ValidPrivateIntegrationURI reports whether uri names a private
// integration target: an Application or Network Load Balancer listener ARN
// (arn:aws:elasticloadbalancing:{region}:{account}:listener/app|net/{name}/{id}/{id})
// or an AWS Cloud Map service ARN
// (arn:aws:servicediscovery:{region}:{account}:service/srv-{id}), the latter
// optionally followed by a query string of attribute filters.
func ValidPrivateIntegrationURI(uri string) bool {
	p, ok := parseARN(uri)
	if !ok || !isRegion(p.region) || !isAccount(p.account) {
		return false
	}
	switch p.service {
	case "elasticloadbalancing":
		parts := strings.Split(p.resource, "/")
		return len(parts) == 5 && parts[0] == "listener" && (parts[1] == "app" || parts[1] == "net") &&
			parts[2] != "" && parts[3] != "" && parts[4] != "" && allChars(p.resource, isARNResourceChar)
	case "servicediscovery":
		res, query, _ := strings.Cut(p.resource, "?")
		id, ok := strings.CutPrefix(res, "service/srv-")
		if !ok || id == "" || !allChars(id, isAlnum) {
			return false
		}
		if query != "" {
			if _, err := url.ParseQuery(query); err != nil {
				return false
			}
		}
		return true
	}
	return false
}

func validCredentialsARN(s string) bool {
	if strings.Contains(s, "${stageVariables.") {
		return strings.HasPrefix(s, "arn:")
	}
	p, ok := parseARN(s)
	if !ok || p.service != "iam" || p.region != "" {
		return false
	}
	if p.account == "*" {
		return p.resource == "user/*"
	}
	return isAccount(p.account) && strings.HasPrefix(p.resource, "role/") && len(p.resource) > len("role/")
}
