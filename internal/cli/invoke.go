package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/logging"
)

// invokeCommand implements `apigw invoke NAME [--event FILE|-]`, like `sam local
// invoke`: it loads the configuration as serve does (config file,
// --function, --env-vars, templates), runs function NAME once with the
// event (a file, - for stdin, or {} when none is given), prints its result
// on stdout and its log lines on stderr. The exit code is 0 when the
// function succeeded, 1 when it failed (its error JSON is still printed on
// stdout) or could not be invoked, 2 for a usage error.
func invokeCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("invoke", "NAME [--event FILE|-] [flags]",
		"Runs one configured function once with an event, as `sam local invoke` does: the result on\n"+
			"stdout, the function's log on stderr. Exits 1 if the function fails.", stderr)
	var (
		configFile = fs.String("config", "", "config file (default: apigw.yaml in the working directory if it exists)")
		event      = fs.String("event", "", "the event: a JSON file, or - for stdin (default: {})")
		region     = fs.String("region", "", "region in ARNs and the function's environment (default us-east-1)")
		account    = fs.String("account-id", "", "account id in ARNs (default 000000000000)")
		logLevel   = fs.String("log-level", "info", "least level of the gateway's own lines on stderr (the function's output is at info)")
		debugPort  = fs.Int("debug-port", 0, "run the function under its language's debugger (Go: dlv) listening on this port, without its timeout")
		fnFlags    stringList
	)
	fs.Var(&fnFlags, "function", "NAME=COMMAND: a function speaking the Lambda Runtime API (repeatable)")
	tf := addTemplateFlags(fs)
	positional, code, done := parseInterspersed(fs, tf.extract(args))
	if done {
		return code
	}
	if len(positional) != 1 {
		fs.Usage()
		return 2
	}
	name := positional[0]
	level, err := logging.ParseLevel(*logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "apigw invoke: --log-level: %v\n", err)
		return 2
	}
	payload := []byte("{}")
	switch *event {
	case "":
	case "-":
		if payload, err = io.ReadAll(stdin); err != nil {
			fmt.Fprintf(stderr, "apigw invoke: reading the event from stdin: %v\n", err)
			return 1
		}
	default:
		if payload, err = os.ReadFile(*event); err != nil {
			fmt.Fprintf(stderr, "apigw invoke: %v\n", err)
			return 1
		}
	}
	over := config.Overrides{Region: *region, AccountID: *account, Functions: fnFlags}
	if *debugPort != 0 {
		over.DebugFunction, over.DebugPort = name, *debugPort
	}
	cfg, err := loadAll(*configFile, over, tf, true, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "apigw invoke: %v\n", err)
		return 1
	}
	log := slog.New(logging.NewPlain(stderr, level))
	res, err := app.Invoke(context.Background(), cfg, name, payload, log)
	if err != nil {
		fmt.Fprintf(stderr, "apigw invoke: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(res.Payload))
	if res.FunctionError != "" {
		return 1
	}
	return 0
}
