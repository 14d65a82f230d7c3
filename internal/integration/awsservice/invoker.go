package awsservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/integration/parammap"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
)

// Config is one AWS service integration.
type Config struct {
	// Subtype is the integrationSubtype ("SQS-SendMessage"). Required.
	Subtype string
	// Parameters are the integration's requestParameters: the subtype's
	// parameter names to mapping values. Every required parameter of the
	// subtype must be present.
	Parameters map[string]string
	// Timeout bounds each service call. Zero means 30 seconds.
	Timeout time.Duration
	// CredentialsARN is the integration's credentialsArn. It is recorded
	// and logged at debug level with each call, never assumed: calls are
	// signed with the Clients' credentials.
	CredentialsARN string
	// Clients are the gateway's SDK clients. Required.
	Clients *Clients
	// Logger receives the debug line of each call. If nil, slog.Default().
	Logger *slog.Logger
}

// Invoker calls one AWS service action per request. It is immutable and
// safe for concurrent use.
type Invoker struct {
	subtype  string
	op       operation
	values   *parammap.Values
	required []string
	timeout  time.Duration
	arn      string
	clients  *Clients
	log      *slog.Logger
}

// New compiles cfg: the subtype must be one of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html,
// every parameter one of the subtype's, every required one present,
// and every value valid in the mapping language (package parammap).
func New(cfg Config) (*Invoker, error) {
	op, ok := operations[cfg.Subtype]
	required, optional, known := model.SubtypeParameters(cfg.Subtype)
	if !ok || !known {
		return nil, fmt.Errorf("unknown integration subtype %s", cfg.Subtype)
	}
	if cfg.Clients == nil {
		return nil, errors.New("no AWS clients configured")
	}
	allowed := make(map[string]bool, len(required)+len(optional))
	for _, n := range optional {
		allowed[n] = true
	}
	var errs []error
	for _, n := range required {
		allowed[n] = true
		if _, ok := cfg.Parameters[n]; !ok {
			errs = append(errs, fmt.Errorf("integration subtype %s: parameter %s is required", cfg.Subtype, n))
		}
	}
	for n := range cfg.Parameters {
		if !allowed[n] {
			errs = append(errs, fmt.Errorf("integration subtype %s: unknown parameter %s", cfg.Subtype, n))
		}
	}
	values, err := parammap.CompileValues(cfg.Parameters)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Invoker{
		subtype: cfg.Subtype, op: op, values: values, required: required,
		timeout: cfg.Timeout, arn: cfg.CredentialsARN, clients: cfg.Clients,
		log: cfg.Logger,
	}, nil
}

// Invoke resolves the parameters against req, calls the service and
// renders its answer (see the package documentation).
func (inv *Invoker) Invoke(ctx context.Context, req *invoke.Request) (*invoke.Response, error) {
	vals, err := inv.values.Resolve(req)
	if err != nil {
		return nil, err
	}
	p := params(vals)
	for _, n := range inv.required {
		if _, ok := p[n]; !ok {
			return nil, gwerr.Newf(gwerr.BadRequest, "integration subtype %s: required parameter %s has no value in this request", inv.subtype, n)
		}
	}
	region := p["Region"]
	inv.log.Debug("calling AWS service", "subtype", inv.subtype, "region", region,
		"credentialsArn", inv.arn, "requestId", req.RequestID)
	cctx, cancel := context.WithTimeout(ctx, inv.timeout)
	defer cancel()
	res, err := inv.op(cctx, inv.clients, region, p)
	if rec := req.Record; rec != nil {
		inv.record(rec, p, res, err)
	}
	if err != nil {
		return inv.failure(ctx, cctx, err)
	}
	h := http.Header{"Content-Type": {res.contentType}}
	return &invoke.Response{
		StatusCode:    http.StatusOK,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(res.body)),
		ContentLength: int64(len(res.body)),
	}, nil
}

// record keeps the call for the request inspector: the parameters sent and
// the service's answer or error.
func (inv *Invoker) record(rec *invoke.Record, p params, res *result, err error) {
	body, _ := json.Marshal(p)
	ir := &invoke.IntegrationRecord{Type: "AWS_PROXY", Target: inv.subtype, RequestBody: body}
	if err != nil {
		ir.Error = err.Error()
	} else {
		ir.Status = http.StatusOK
		ir.ResponseHeader = http.Header{"Content-Type": {res.contentType}}
		ir.ResponseBody = res.body
	}
	rec.Integration = ir
}

// failure maps a failed call: a parameter the API cannot take is 400; the
// integration timeout is 503; a service error is answered with the
// service's status, {"message": "..."} and x-amzn-ErrorType; anything else
// (connection refused, a malformed answer) is 500.
func (inv *Invoker) failure(ctx, cctx context.Context, err error) (*invoke.Response, error) {
	var pe *paramError
	if errors.As(err, &pe) {
		return nil, gwerr.New(gwerr.BadRequest, fmt.Errorf("integration subtype %s: %w", inv.subtype, err))
	}
	if ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, gwerr.New(gwerr.ServiceUnavailable, fmt.Errorf("integration subtype %s: timed out after %s: %w", inv.subtype, inv.timeout, err))
	}
	var (
		re  *awshttp.ResponseError
		api smithy.APIError
	)
	if !errors.As(err, &re) || !errors.As(err, &api) || re.HTTPStatusCode() < 400 {
		return nil, fmt.Errorf("integration subtype %s: %w", inv.subtype, err)
	}
	inv.log.Debug("AWS service error", "subtype", inv.subtype, "status", re.HTTPStatusCode(), "code", api.ErrorCode(), "err", err)
	msg := api.ErrorMessage()
	if msg == "" {
		msg = api.ErrorCode()
	}
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	h := http.Header{"Content-Type": {"application/json"}}
	if code := api.ErrorCode(); code != "" {
		h.Set("X-Amzn-Errortype", code)
	}
	return &invoke.Response{
		StatusCode:    re.HTTPStatusCode(),
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}, nil
}

var _ invoke.Invoker = (*Invoker)(nil)
