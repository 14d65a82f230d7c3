package app

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/apigwdev/apigw/internal/integration/awsservice"
)

// newAWSClients builds the SDK clients of AWS service integrations from the
// config's aws section: its endpoints, and its credentials or else the
// standard AWS chain; calls are made in the gateway's region unless an
// integration's Region parameter says otherwise.
func (g *Gateway) newAWSClients() error {
	cfg := awsservice.ClientsConfig{Region: g.cfg.Region, Endpoints: g.cfg.AWS.Endpoints}
	if c := g.cfg.AWS.Credentials; c != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	cl, err := awsservice.NewClients(context.Background(), cfg)
	if err != nil {
		return err
	}
	g.awsClients = cl
	return nil
}
