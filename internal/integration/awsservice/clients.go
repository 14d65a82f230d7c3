package awsservice

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ClientsConfig configures the SDK clients shared by every AWS service
// integration of a gateway.
type ClientsConfig struct {
	// Region is the region used when an integration gives no Region
	// parameter. Required.
	Region string
	// Endpoints maps an SDK service id (sqs, eventbridge, kinesis, sfn,
	// appconfig; "events" and "states" are accepted for eventbridge and sfn)
	// to an endpoint URL. Services not listed use the real AWS endpoints of
	// the region.
	Endpoints map[string]string
	// Credentials sign every call. If nil, the SDK's default credential
	// chain is used (environment, shared files, SSO, IMDS ...).
	Credentials aws.CredentialsProvider
	// HTTPClient sends the calls. If nil, the SDK's default client is used.
	HTTPClient aws.HTTPClient
}

// Clients holds the AWS configuration and the SDK clients of a gateway,
// created lazily, one per service and region, and shared by every compiled
// snapshot. It is safe for concurrent use.
//
// Lifecycle: 1. NewClients resolves the region and credentials (no network
// I/O: credentials are fetched when the first call is signed); 2. invokers
// ask for clients as requests arrive. Clients holds no goroutines and needs
// no Close.
type Clients struct {
	cfg       aws.Config
	endpoints map[string]string

	mu      sync.Mutex
	clients map[clientKey]any // guarded by mu
}

type clientKey struct{ service, region string }

// NewClients resolves the SDK configuration of cfg.
func NewClients(ctx context.Context, cfg ClientsConfig) (*Clients, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(cfg.Region)}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for service integrations: %w", err)
	}
	eps := make(map[string]string, len(cfg.Endpoints))
	for k, v := range cfg.Endpoints {
		switch k {
		case "events":
			k = "eventbridge"
		case "states":
			k = "sfn"
		}
		eps[k] = v
	}
	return &Clients{cfg: awsCfg, endpoints: eps, clients: make(map[clientKey]any)}, nil
}

// Region returns the default region.
func (c *Clients) Region() string { return c.cfg.Region }

// endpoint returns the configured endpoint of service, or nil.
func (c *Clients) endpoint(service string) *string {
	if ep, ok := c.endpoints[service]; ok && ep != "" {
		return aws.String(ep)
	}
	return nil
}

// apiOptions are added to every client's middleware stack. With a
// configured endpoint, host prefixes ("sync-" for Step Functions
// StartSyncExecution) are disabled: a local server's host name cannot take
// them.
func (c *Clients) apiOptions(service string) []func(*middleware.Stack) error {
	if c.endpoint(service) == nil {
		return nil
	}
	return []func(*middleware.Stack) error{func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("apigwDisableHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	}}
}

// client returns the client of service in region, building it with build
// on first use.
func client[T any](c *Clients, service, region string, build func(aws.Config) T) T {
	if region == "" {
		region = c.cfg.Region
	}
	k := clientKey{service, region}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.clients[k]; ok {
		return v.(T)
	}
	cfg := c.cfg.Copy()
	cfg.Region = region
	// One attempt: API Gateway does not retry a service call for the
	// client, and the integration timeout bounds the call.
	cfg.RetryMaxAttempts = 1
	cfg.BaseEndpoint = c.endpoint(service)
	cfg.APIOptions = append(cfg.APIOptions, c.apiOptions(service)...)
	v := build(cfg)
	c.clients[k] = v
	return v
}
