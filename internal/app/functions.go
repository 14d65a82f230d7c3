package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/integration/lambdaproxy"
)

// newFunctions builds the function runtime from the configuration.
func newFunctions(cfg *config.Config, log *slog.Logger) (*functions.Manager, error) {
	fns := make([]functions.Config, 0, len(cfg.Functions))
	for name, f := range cfg.Functions {
		fns = append(fns, functions.Config{
			Name:        name,
			Command:     f.Command,
			Build:       f.Build,
			Dir:         f.Dir,
			Env:         f.Env,
			Timeout:     f.Timeout,
			MemorySize:  f.MemorySize,
			Concurrency: f.Concurrency,
			Endpoint:    f.Endpoint,
		})
	}
	m, err := functions.New(functions.Options{
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
		Logger:    log.With("component", "functions"),
	}, fns)
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	return m, nil
}

// functionCaller adapts the function runtime to the Lambda proxy
// integration's Caller interface, translating the runtime's sentinel errors.
type functionCaller struct{ m *functions.Manager }

func (c functionCaller) Call(ctx context.Context, fn lambdaproxy.FunctionRef, payload []byte) (*lambdaproxy.CallResult, error) {
	res, err := c.m.Invoke(ctx, &functions.Invocation{
		FunctionName: fn.Name,
		Qualifier:    fn.Qualifier,
		Payload:      payload,
	})
	switch {
	case err == nil:
		return &lambdaproxy.CallResult{Payload: res.Payload, FunctionError: res.FunctionError}, nil
	case errors.Is(err, functions.ErrFunctionNotFound):
		return nil, fmt.Errorf("%w: %w", lambdaproxy.ErrFunctionNotFound, err)
	case errors.Is(err, functions.ErrThrottled):
		return nil, fmt.Errorf("%w: %w", lambdaproxy.ErrThrottled, err)
	case errors.Is(err, functions.ErrPayloadTooLarge):
		return nil, fmt.Errorf("%w: %w", lambdaproxy.ErrPayloadTooLarge, err)
	}
	return nil, err
}

var _ lambdaproxy.Caller = functionCaller{}
