package compile

import (
	"fmt"

	"github.com/apigwdev/apigw/internal/integration/awsservice"
	"github.com/apigwdev/apigw/internal/integration/parammap"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// serviceIntegration compiles an AWS service integration (an integration
// with integrationSubtype, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html): its
// requestParameters are the subtype's parameters, not request mappings, so
// they go to the invoker; responseParameters apply as for any integration.
func (c *compiler) serviceIntegration(apiID, where string, mi *model.Integration) *snapshot.Integration {
	si := &snapshot.Integration{ID: mi.IntegrationID, Type: integrationType(mi.IntegrationType), Target: "AWS " + mi.IntegrationSubtype}
	if pm, err := parammap.CompileResponse(mi.ResponseParameters); err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: responseParameters: %w", apiID, where, err))
		return nil
	} else if pm != nil {
		si.ResponseMapping = pm
	}
	inv, err := awsservice.New(awsservice.Config{
		Subtype:        mi.IntegrationSubtype,
		Parameters:     mi.RequestParameters,
		Timeout:        mi.EffectiveTimeout(),
		CredentialsARN: mi.CredentialsARN,
		Clients:        c.deps.AWS,
		Logger:         c.deps.Logger,
	})
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("api %s: %s: %w", apiID, where, err))
		return nil
	}
	si.Invoker = inv
	return si
}
