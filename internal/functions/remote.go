package functions

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// remoteFunction is a function invoked through a Lambda Invoke API at
// Config.Endpoint with the AWS SDK for Go v2 (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
type remoteFunction struct {
	name     string // as configured
	remote   string // the FunctionName sent
	endpoint string
	client   *lambda.Client
	log      *slog.Logger
}

// loadAWSConfig resolves the region and credentials remote functions use.
func loadAWSConfig(opts Options) (aws.Config, error) {
	loadOpts := []func(*config.LoadOptions) error{config.WithRegion(opts.Region)}
	if opts.Credentials != nil {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), loadOpts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration for remote functions: %w", err)
	}
	return cfg, nil
}

func newRemoteFunction(c Config, awsCfg aws.Config, log *slog.Logger) *remoteFunction {
	client := lambda.NewFromConfig(awsCfg, func(o *lambda.Options) {
		o.BaseEndpoint = aws.String(c.Endpoint)
		// One attempt: the caller (the gateway or an Invoke API client)
		// decides on retries, and a throttle must surface as ErrThrottled
		// rather than as latency.
		o.RetryMaxAttempts = 1
		o.HTTPClient = rieCompatClient{next: awshttp.NewBuildableClient()}
	})
	return &remoteFunction{name: c.Name, remote: c.RemoteName, endpoint: c.Endpoint, client: client, log: log}
}

// invoke calls the remote function and maps the SDK's answer: the payload,
// X-Amz-Function-Error, X-Amz-Executed-Version and X-Amz-Log-Result become the
// Result; TooManyRequestsException becomes ErrThrottled,
// ResourceNotFoundException ErrFunctionNotFound and RequestTooLargeException
// ErrPayloadTooLarge (each wrapped together with the SDK's error).
func (r *remoteFunction) invoke(ctx context.Context, in *Invocation) (*Result, error) {
	input := &lambda.InvokeInput{FunctionName: aws.String(r.remote), Payload: in.Payload}
	if in.Qualifier != "" {
		input.Qualifier = aws.String(in.Qualifier)
	}
	if in.ClientContext != "" {
		input.ClientContext = aws.String(in.ClientContext)
	}
	if in.Tail {
		input.LogType = types.LogTypeTail
	}
	var optFns []func(*lambda.Options)
	if in.TraceID != "" {
		optFns = append(optFns, func(o *lambda.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("X-Amzn-Trace-Id", in.TraceID))
		})
	}
	out, err := r.client.Invoke(ctx, input, optFns...)
	if err != nil {
		return nil, r.mapError(err)
	}
	res := &Result{
		Payload:         out.Payload,
		FunctionError:   aws.ToString(out.FunctionError),
		ExecutedVersion: aws.ToString(out.ExecutedVersion),
	}
	if res.ExecutedVersion == "" {
		res.ExecutedVersion = "$LATEST" // the runtime interface emulator sends no X-Amz-* headers
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); ok && id != "" {
		res.RequestID = id
	} else {
		res.RequestID = newRequestID()
	}
	if out.LogResult != nil {
		if b, err := base64.StdEncoding.DecodeString(*out.LogResult); err == nil {
			res.Log = string(b)
		}
	}
	return res, nil
}

func (r *remoteFunction) mapError(err error) error {
	var (
		throttled *types.TooManyRequestsException
		notFound  *types.ResourceNotFoundException
		tooLarge  *types.RequestTooLargeException
	)
	prefix := fmt.Sprintf("invoking function %s at %s", r.name, r.endpoint)
	switch {
	case errors.As(err, &throttled):
		return fmt.Errorf("%s: %w: %w", prefix, ErrThrottled, err)
	case errors.As(err, &notFound):
		return fmt.Errorf("%s: %w: %w", prefix, ErrFunctionNotFound, err)
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%s: %w: %w", prefix, ErrPayloadTooLarge, err)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// rieCompatClient adapts the runtime interface emulator's answers to the
// Invoke API: the RIE reports a crashed or panicked function as 502 with the
// Lambda error JSON as the body and no X-Amz-* headers
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), which the SDK would turn into an API error. A 502
// without x-amzn-ErrorType whose body carries an errorType becomes 200 with
// X-Amz-Function-Error: Unhandled. Real Lambda's 502s
// (ResourceNotReadyException, ...) always carry x-amzn-ErrorType and pass
// unchanged. (Handled errors and timeouts come from the RIE as plain 200s and
// cannot be told apart from successes.)
type rieCompatClient struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
}

// Do sends req and rewrites an RIE crash answer as described on the type.
func (c rieCompatClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode != http.StatusBadGateway || resp.Header.Get("X-Amzn-Errortype") != "" {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPayloadSize+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading 502 answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) != nil || e.ErrorType == "" {
		return resp, nil
	}
	resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
	resp.Header.Set("X-Amz-Function-Error", FunctionErrorUnhandled)
	resp.ContentLength = int64(len(body))
	return resp, nil
}
