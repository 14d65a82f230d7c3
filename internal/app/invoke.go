package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
)

// Invoke runs one function of cfg (of its config file or its templates)
// once with payload, as `apigw invoke` does, like `sam local invoke`: the
// function starts (after its build, if any), takes the event, and stops.
// Its log lines go to log. Nothing listens, and the data directory is not
// used (the runtime bootstraps go to a temporary directory). A function
// failure is a Result with FunctionError set, not an error.
func Invoke(ctx context.Context, cfg *config.Config, name string, payload []byte, log *slog.Logger) (*functions.Result, error) {
	tmp, err := os.MkdirTemp("", "apigw-invoke-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	c := *cfg
	c.DataDir = tmp
	loaded, _, err := loadTemplates(&c, "http://"+c.AdminListen, discardWriter{})
	if err != nil {
		return nil, err
	}
	if _, ok := loaded.Functions[name]; !ok {
		names := make([]string, 0, len(loaded.Functions))
		for n := range loaded.Functions {
			names = append(names, n)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("function %s: no function is configured (give --config, --template or --function)", name)
		}
		return nil, fmt.Errorf("function %s is not configured; the functions are: %s", name, strings.Join(sorted(names), ", "))
	}
	fns, err := newFunctions(loaded, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*functionsStopGrace)
		defer cancel()
		_ = fns.Close(cctx)
	}()
	return fns.Invoke(ctx, &functions.Invocation{FunctionName: name, Payload: payload})
}

// functionsStopGrace bounds the wait for the function process to stop.
const functionsStopGrace = functions.DefaultStopGrace

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
