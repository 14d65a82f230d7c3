package model

import "time"

// Protocol types of an Api.
const (
	ProtocolHTTP      = "HTTP"
	ProtocolWebSocket = "WEBSOCKET"
)

// RouteSelectionExpressionHTTP is the only route selection expression of HTTP
// APIs, in the form real APIs return it.
const RouteSelectionExpressionHTTP = "$request.method $request.path"

// APIKeySelectionExpressionDefault is what AWS returns for HTTP APIs even though
// they have no API keys.
const APIKeySelectionExpressionDefault = "$request.header.x-api-key"

// DefaultRouteKey is the route key of the catch-all route.
const DefaultRouteKey = "$default"

// DefaultStageName is the name of the stage served at the API root.
const DefaultStageName = "$default"

// Authorization types of a Route.
const (
	AuthNone   = "NONE"
	AuthIAM    = "AWS_IAM"
	AuthCustom = "CUSTOM" // Lambda REQUEST authorizer
	AuthJWT    = "JWT"
)

// Authorizer types.
const (
	AuthorizerRequest = "REQUEST"
	AuthorizerJWT     = "JWT"
)

// Integration types. HTTP APIs accept only AWSProxy and HTTPProxy.
const (
	IntegrationAWSProxy  = "AWS_PROXY"
	IntegrationHTTPProxy = "HTTP_PROXY"
	IntegrationAWS       = "AWS"
	IntegrationHTTP      = "HTTP"
	IntegrationMock      = "MOCK"
)

// Connection types of an Integration.
const (
	ConnectionInternet = "INTERNET"
	ConnectionVPCLink  = "VPC_LINK"
)

// Integration timeout bounds and default for HTTP APIs, in milliseconds.
const (
	MinTimeoutInMillis     = 50
	MaxTimeoutInMillis     = 30000
	DefaultTimeoutInMillis = 30000
)

// Deployment statuses.
const (
	DeploymentPending  = "PENDING"
	DeploymentFailed   = "FAILED"
	DeploymentDeployed = "DEPLOYED"
)

// API is an apigatewayv2 Api resource.
type API struct {
	APIID                     string            `json:"apiId,omitempty"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression,omitempty"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression,omitempty"`
	CORSConfiguration         *CORS             `json:"corsConfiguration,omitempty"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	DisableSchemaValidation   bool              `json:"disableSchemaValidation,omitempty"`
	IPAddressType             string            `json:"ipAddressType,omitempty"`
	Version                   string            `json:"version,omitempty"`
	Tags                      map[string]string `json:"tags"`
	APIEndpoint               string            `json:"apiEndpoint,omitempty"`
	APIGatewayManaged         bool              `json:"apiGatewayManaged,omitempty"`
	CreatedDate               *time.Time        `json:"createdDate,omitempty"`
	ImportInfo                []string          `json:"importInfo,omitempty"`
	Warnings                  []string          `json:"warnings,omitempty"`
}

// CORS is an Api's CORS configuration. All fields are optional.
type CORS struct {
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	// MaxAge is in seconds, -1..86400.
	MaxAge *int `json:"maxAge,omitempty"`
}

// ParameterConstraints is a route request parameter constraint (WebSocket only;
// accepted and echoed for HTTP APIs).
type ParameterConstraints struct {
	Required bool `json:"required"`
}

// Route is an apigatewayv2 Route resource.
type Route struct {
	RouteID             string                          `json:"routeId,omitempty"`
	RouteKey            string                          `json:"routeKey"`
	Target              string                          `json:"target,omitempty"`
	AuthorizationType   string                          `json:"authorizationType,omitempty"`
	AuthorizerID        string                          `json:"authorizerId,omitempty"`
	AuthorizationScopes []string                        `json:"authorizationScopes,omitempty"`
	OperationName       string                          `json:"operationName,omitempty"`
	APIKeyRequired      bool                            `json:"apiKeyRequired"`
	APIGatewayManaged   bool                            `json:"apiGatewayManaged,omitempty"`
	RequestParameters   map[string]ParameterConstraints `json:"requestParameters,omitempty"`
	// WebSocket-only members, accepted and echoed.
	ModelSelectionExpression         string            `json:"modelSelectionExpression,omitempty"`
	RequestModels                    map[string]string `json:"requestModels,omitempty"`
	RouteResponseSelectionExpression string            `json:"routeResponseSelectionExpression,omitempty"`
}

// TLSConfig configures TLS for private integrations.
type TLSConfig struct {
	ServerNameToVerify string `json:"serverNameToVerify,omitempty"`
}

// Integration is an apigatewayv2 Integration resource.
type Integration struct {
	IntegrationID        string `json:"integrationId,omitempty"`
	IntegrationType      string `json:"integrationType"`
	IntegrationSubtype   string `json:"integrationSubtype,omitempty"`
	IntegrationURI       string `json:"integrationUri,omitempty"`
	IntegrationMethod    string `json:"integrationMethod,omitempty"`
	PayloadFormatVersion string `json:"payloadFormatVersion,omitempty"`
	// TimeoutInMillis is 50..30000; 0 means unset (default 30000).
	TimeoutInMillis    int                          `json:"timeoutInMillis,omitempty"`
	ConnectionType     string                       `json:"connectionType,omitempty"`
	ConnectionID       string                       `json:"connectionId,omitempty"`
	CredentialsARN     string                       `json:"credentialsArn,omitempty"`
	Description        string                       `json:"description,omitempty"`
	RequestParameters  map[string]string            `json:"requestParameters,omitempty"`
	ResponseParameters map[string]map[string]string `json:"responseParameters,omitempty"`
	TLSConfig          *TLSConfig                   `json:"tlsConfig,omitempty"`
	APIGatewayManaged  bool                         `json:"apiGatewayManaged,omitempty"`
	// WebSocket-only members, accepted and echoed.
	ContentHandlingStrategy                string            `json:"contentHandlingStrategy,omitempty"`
	PassthroughBehavior                    string            `json:"passthroughBehavior,omitempty"`
	RequestTemplates                       map[string]string `json:"requestTemplates,omitempty"`
	TemplateSelectionExpression            string            `json:"templateSelectionExpression,omitempty"`
	IntegrationResponseSelectionExpression string            `json:"integrationResponseSelectionExpression,omitempty"`
}

// EffectiveTimeout returns the integration timeout, applying the default.
func (i *Integration) EffectiveTimeout() time.Duration {
	ms := i.TimeoutInMillis
	if ms == 0 {
		ms = DefaultTimeoutInMillis
	}
	return time.Duration(ms) * time.Millisecond
}

// JWTConfiguration configures a JWT authorizer.
type JWTConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
}

// Authorizer is an apigatewayv2 Authorizer resource.
type Authorizer struct {
	AuthorizerID                   string            `json:"authorizerId,omitempty"`
	Name                           string            `json:"name"`
	AuthorizerType                 string            `json:"authorizerType"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	JWTConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	AuthorizerURI                  string            `json:"authorizerUri,omitempty"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	// AuthorizerResultTTLInSeconds is 0..3600; nil means unset (0, no caching).
	AuthorizerResultTTLInSeconds *int   `json:"authorizerResultTtlInSeconds,omitempty"`
	EnableSimpleResponses        bool   `json:"enableSimpleResponses,omitempty"`
	AuthorizerCredentialsARN     string `json:"authorizerCredentialsArn,omitempty"`
	IdentityValidationExpression string `json:"identityValidationExpression,omitempty"`
}

// RouteSettings are throttling and metrics settings of a stage or a route.
type RouteSettings struct {
	DetailedMetricsEnabled *bool `json:"detailedMetricsEnabled,omitempty"`
	// ThrottlingBurstLimit is the bucket capacity, in requests.
	ThrottlingBurstLimit *int `json:"throttlingBurstLimit,omitempty"`
	// ThrottlingRateLimit is the steady-state rate, in requests per second.
	ThrottlingRateLimit *float64 `json:"throttlingRateLimit,omitempty"`
	DataTraceEnabled    *bool    `json:"dataTraceEnabled,omitempty"` // WebSocket only
	LoggingLevel        string   `json:"loggingLevel,omitempty"`     // WebSocket only
}

// AccessLogSettings configures a stage's access log.
type AccessLogSettings struct {
	DestinationARN string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// Stage is an apigatewayv2 Stage resource.
type Stage struct {
	StageName                   string                   `json:"stageName"`
	AutoDeploy                  bool                     `json:"autoDeploy"`
	DeploymentID                string                   `json:"deploymentId,omitempty"`
	Description                 string                   `json:"description,omitempty"`
	DefaultRouteSettings        *RouteSettings           `json:"defaultRouteSettings,omitempty"`
	RouteSettings               map[string]RouteSettings `json:"routeSettings"`
	StageVariables              map[string]string        `json:"stageVariables"`
	AccessLogSettings           *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	ClientCertificateID         string                   `json:"clientCertificateId,omitempty"`
	Tags                        map[string]string        `json:"tags"`
	CreatedDate                 *time.Time               `json:"createdDate,omitempty"`
	LastUpdatedDate             *time.Time               `json:"lastUpdatedDate,omitempty"`
	LastDeploymentStatusMessage string                   `json:"lastDeploymentStatusMessage,omitempty"`
	APIGatewayManaged           bool                     `json:"apiGatewayManaged,omitempty"`
}

// Deployment is an apigatewayv2 Deployment resource.
type Deployment struct {
	DeploymentID            string     `json:"deploymentId,omitempty"`
	AutoDeployed            bool       `json:"autoDeployed"`
	CreatedDate             *time.Time `json:"createdDate,omitempty"`
	DeploymentStatus        string     `json:"deploymentStatus,omitempty"`
	DeploymentStatusMessage string     `json:"deploymentStatusMessage,omitempty"`
	Description             string     `json:"description,omitempty"`
}

// DomainNameConfiguration is one endpoint configuration of a DomainName.
type DomainNameConfiguration struct {
	APIGatewayDomainName                string     `json:"apiGatewayDomainName,omitempty"`
	CertificateARN                      string     `json:"certificateArn,omitempty"`
	CertificateName                     string     `json:"certificateName,omitempty"`
	CertificateUploadDate               *time.Time `json:"certificateUploadDate,omitempty"`
	DomainNameStatus                    string     `json:"domainNameStatus,omitempty"`
	DomainNameStatusMessage             string     `json:"domainNameStatusMessage,omitempty"`
	EndpointType                        string     `json:"endpointType,omitempty"`
	HostedZoneID                        string     `json:"hostedZoneId,omitempty"`
	IPAddressType                       string     `json:"ipAddressType,omitempty"`
	SecurityPolicy                      string     `json:"securityPolicy,omitempty"`
	OwnershipVerificationCertificateARN string     `json:"ownershipVerificationCertificateArn,omitempty"`
}

// MutualTLSAuthentication configures mutual TLS on a DomainName.
type MutualTLSAuthentication struct {
	TruststoreURI      string   `json:"truststoreUri,omitempty"`
	TruststoreVersion  string   `json:"truststoreVersion,omitempty"`
	TruststoreWarnings []string `json:"truststoreWarnings,omitempty"`
}

// DomainName is an apigatewayv2 DomainName resource (a custom domain).
type DomainName struct {
	DomainName                    string                    `json:"domainName"`
	DomainNameARN                 string                    `json:"domainNameArn,omitempty"`
	APIMappingSelectionExpression string                    `json:"apiMappingSelectionExpression,omitempty"`
	DomainNameConfigurations      []DomainNameConfiguration `json:"domainNameConfigurations,omitempty"`
	MutualTLSAuthentication       *MutualTLSAuthentication  `json:"mutualTlsAuthentication,omitempty"`
	RoutingMode                   string                    `json:"routingMode,omitempty"`
	Tags                          map[string]string         `json:"tags,omitempty"`
}

// APIMapping maps a path prefix of a DomainName to an API stage.
type APIMapping struct {
	APIMappingID  string `json:"apiMappingId,omitempty"`
	APIID         string `json:"apiId"`
	APIMappingKey string `json:"apiMappingKey,omitempty"`
	Stage         string `json:"stage"`
}

// VPC link statuses.
const (
	VpcLinkPending   = "PENDING"
	VpcLinkAvailable = "AVAILABLE"
	VpcLinkDeleting  = "DELETING"
	VpcLinkFailed    = "FAILED"
	VpcLinkInactive  = "INACTIVE"
)

// VpcLink is an apigatewayv2 VpcLink resource.
type VpcLink struct {
	VpcLinkID            string            `json:"vpcLinkId,omitempty"`
	Name                 string            `json:"name"`
	SubnetIDs            []string          `json:"subnetIds"`
	SecurityGroupIDs     []string          `json:"securityGroupIds,omitempty"`
	Tags                 map[string]string `json:"tags,omitempty"`
	CreatedDate          *time.Time        `json:"createdDate,omitempty"`
	VpcLinkStatus        string            `json:"vpcLinkStatus,omitempty"`
	VpcLinkStatusMessage string            `json:"vpcLinkStatusMessage,omitempty"`
	VpcLinkVersion       string            `json:"vpcLinkVersion,omitempty"`
}

// Definition is everything a deployment snapshots of one API: the API itself
// and its routes, integrations and authorizers. It is what the OpenAPI importer
// produces and what the compiler turns into a served route table.
type Definition struct {
	API          API
	Routes       []Route
	Integrations []Integration
	Authorizers  []Authorizer
}
