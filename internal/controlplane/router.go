package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
)

// routes is the route table: every operation of https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html that
// HTTP APIs have, with its method and path. Path labels are matched on the
// escaped path and unescaped by http.ServeMux, so a route key or an ARN
// label containing "/" (sent as %2F) stays one label.
func (h *Handler) routes() {
	// Apis
	h.handle("POST /v2/apis", h.createAPI)
	h.handle("GET /v2/apis", h.getAPIs)
	h.handle("PUT /v2/apis", h.importAPI)
	h.handle("GET /v2/apis/{apiId}", h.getAPI)
	h.handle("PATCH /v2/apis/{apiId}", h.updateAPI)
	h.handle("PUT /v2/apis/{apiId}", h.reimportAPI)
	h.handle("DELETE /v2/apis/{apiId}", h.deleteAPI)
	h.handle("DELETE /v2/apis/{apiId}/cors", h.deleteCORSConfiguration)
	h.handle("GET /v2/apis/{apiId}/exports/{specification}", h.exportAPI)

	// Routes
	h.handle("POST /v2/apis/{apiId}/routes", h.createRoute)
	h.handle("GET /v2/apis/{apiId}/routes", h.getRoutes)
	h.handle("GET /v2/apis/{apiId}/routes/{routeId}", h.getRoute)
	h.handle("PATCH /v2/apis/{apiId}/routes/{routeId}", h.updateRoute)
	h.handle("DELETE /v2/apis/{apiId}/routes/{routeId}", h.deleteRoute)
	h.handle("DELETE /v2/apis/{apiId}/routes/{routeId}/requestparameters/{requestParameterKey}", h.deleteRouteRequestParameter)
	h.handle("/v2/apis/{apiId}/routes/{routeId}/routeresponses", webSocketOnly)
	h.handle("/v2/apis/{apiId}/routes/{routeId}/routeresponses/{routeResponseId}", webSocketOnly)

	// Integrations
	h.handle("POST /v2/apis/{apiId}/integrations", h.createIntegration)
	h.handle("GET /v2/apis/{apiId}/integrations", h.getIntegrations)
	h.handle("GET /v2/apis/{apiId}/integrations/{integrationId}", h.getIntegration)
	h.handle("PATCH /v2/apis/{apiId}/integrations/{integrationId}", h.updateIntegration)
	h.handle("DELETE /v2/apis/{apiId}/integrations/{integrationId}", h.deleteIntegration)
	h.handle("/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses", webSocketOnly)
	h.handle("/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses/{integrationResponseId}", webSocketOnly)

	// Authorizers
	h.handle("POST /v2/apis/{apiId}/authorizers", h.createAuthorizer)
	h.handle("GET /v2/apis/{apiId}/authorizers", h.getAuthorizers)
	h.handle("GET /v2/apis/{apiId}/authorizers/{authorizerId}", h.getAuthorizer)
	h.handle("PATCH /v2/apis/{apiId}/authorizers/{authorizerId}", h.updateAuthorizer)
	h.handle("DELETE /v2/apis/{apiId}/authorizers/{authorizerId}", h.deleteAuthorizer)

	// Stages
	h.handle("POST /v2/apis/{apiId}/stages", h.createStage)
	h.handle("GET /v2/apis/{apiId}/stages", h.getStages)
	h.handle("GET /v2/apis/{apiId}/stages/{stageName}", h.getStage)
	h.handle("PATCH /v2/apis/{apiId}/stages/{stageName}", h.updateStage)
	h.handle("DELETE /v2/apis/{apiId}/stages/{stageName}", h.deleteStage)
	h.handle("DELETE /v2/apis/{apiId}/stages/{stageName}/accesslogsettings", h.deleteAccessLogSettings)
	h.handle("DELETE /v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}", h.deleteRouteSettings)
	h.handle("DELETE /v2/apis/{apiId}/stages/{stageName}/cache/authorizers", h.resetAuthorizersCache)

	// Deployments
	h.handle("POST /v2/apis/{apiId}/deployments", h.createDeployment)
	h.handle("GET /v2/apis/{apiId}/deployments", h.getDeployments)
	h.handle("GET /v2/apis/{apiId}/deployments/{deploymentId}", h.getDeployment)
	h.handle("PATCH /v2/apis/{apiId}/deployments/{deploymentId}", h.updateDeployment)
	h.handle("DELETE /v2/apis/{apiId}/deployments/{deploymentId}", h.deleteDeployment)

	// Models (WebSocket only)
	h.handle("/v2/apis/{apiId}/models", webSocketOnly)
	h.handle("/v2/apis/{apiId}/models/", webSocketOnly)

	// Domain names and API mappings
	h.handle("POST /v2/domainnames", h.createDomainName)
	h.handle("GET /v2/domainnames", h.getDomainNames)
	h.handle("GET /v2/domainnames/{domainName}", h.getDomainName)
	h.handle("PATCH /v2/domainnames/{domainName}", h.updateDomainName)
	h.handle("DELETE /v2/domainnames/{domainName}", h.deleteDomainName)
	h.handle("POST /v2/domainnames/{domainName}/apimappings", h.createAPIMapping)
	h.handle("GET /v2/domainnames/{domainName}/apimappings", h.getAPIMappings)
	h.handle("GET /v2/domainnames/{domainName}/apimappings/{apiMappingId}", h.getAPIMapping)
	h.handle("PATCH /v2/domainnames/{domainName}/apimappings/{apiMappingId}", h.updateAPIMapping)
	h.handle("DELETE /v2/domainnames/{domainName}/apimappings/{apiMappingId}", h.deleteAPIMapping)

	// VPC links
	h.handle("POST /v2/vpclinks", h.createVpcLink)
	h.handle("GET /v2/vpclinks", h.getVpcLinks)
	h.handle("GET /v2/vpclinks/{vpcLinkId}", h.getVpcLink)
	h.handle("PATCH /v2/vpclinks/{vpcLinkId}", h.updateVpcLink)
	h.handle("DELETE /v2/vpclinks/{vpcLinkId}", h.deleteVpcLink)

	// Tags
	h.handle("POST /v2/tags/{resourceArn}", h.tagResource)
	h.handle("GET /v2/tags/{resourceArn}", h.getTags)
	h.handle("DELETE /v2/tags/{resourceArn}", h.untagResource)

	// Everything else: routing rules, portals and unknown paths.
	h.handle("/", unknownOperation)
}

// webSocketOnly answers operations that exist only for WebSocket APIs
// (route responses, integration responses, models). What AWS answers for
// an HTTP API is undocumented by AWS (our choice: docs/compatibility.md#management-api); BadRequestException is the sensible choice
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
func webSocketOnly(http.ResponseWriter, *http.Request) error {
	return awserr.BadRequest("This operation is supported only for WebSocket APIs; apigw serves HTTP APIs")
}

// unknownOperation answers paths and methods of no supported operation.
func unknownOperation(_ http.ResponseWriter, r *http.Request) error {
	return awserr.NotFound("", "No operation %s %s; apigw implements the apigatewayv2 operations of HTTP APIs", r.Method, r.URL.EscapedPath())
}
