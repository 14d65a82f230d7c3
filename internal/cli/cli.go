// Package cli implements apigw's command line: the serve, validate and
// version subcommands (docs/configuration.md). cmd/apigw only calls Main.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/logging"
)

const usage = `apigw: Amazon API Gateway HTTP APIs, self-hosted.

Usage:
  apigw serve [flags]              run the gateway until SIGINT/SIGTERM
  apigw validate [--strict] FILE...  check config files and OpenAPI documents
  apigw token [flags]              mint a JWT from the gateway's local OIDC issuer
  apigw ca [flags]                 print the local CA's certificate (PEM) to trust for HTTPS
  apigw invoke NAME [--event F|-]  run one function once, like sam local invoke
  apigw generate-event KIND        print a sample event (http-api-v2, http-api-v1, authorizer-v2, authorizer-v1)
  apigw cluster status [--admin URL]  a cluster node's view of the cluster (GET /_cluster)
  apigw version                    print the version, commit and Go release

Every command answers -h with its flags, e.g. "apigw serve -h".
`

// Main runs the command line and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "ca":
		return caCommand(args[1:], stdout, stderr)
	case "invoke":
		return invokeCommand(args[1:], os.Stdin, stdout, stderr)
	case "generate-event":
		return generateEvent(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "cluster":
		return clusterCommand(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return versionCommand(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			return Main([]string{args[1], "-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "apigw: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// newFlagSet returns the flag set of a command, whose -h prints synopsis,
// the description and the flags.
func newFlagSet(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("apigw "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: apigw %s %s\n\n%s\n", name, synopsis, description)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; done is set when the command must stop with code:
// 0 after -h/--help, 2 after a usage error (already reported).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	return 0, false
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func serve(args []string, stderr io.Writer) int {
	fs := newFlagSet("serve", "[flags]", "Runs the gateway (data plane, admin listener, functions) until SIGINT or SIGTERM,\nthen drains requests in flight, stops the function processes and exits 0.", stderr)
	var (
		configFile = fs.String("config", "", "config file (default: apigw.yaml in the working directory if it exists)")
		listen     = fs.String("listen", "", "data plane address (default 127.0.0.1:3000; port 0 picks a free port)")
		admin      = fs.String("admin-listen", "", "admin address: management APIs, /_health, /metrics (default 127.0.0.1:3300)")
		tlsListen  = fs.String("tls-listen", "", "HTTPS data plane address (default none; tls.listen in the config file)")
		dataDir    = fs.String("data-dir", "", "directory for the store and other state (default .apigw)")
		region     = fs.String("region", "", "region in ARNs, endpoints and SigV4 scopes (default us-east-1)")
		account    = fs.String("account-id", "", "account id in ARNs (default 000000000000)")
		openapiDoc = fs.String("openapi", "", "import this OpenAPI document as the default API with a $default stage")
		watchFiles = fs.Bool("watch", false, "reload the config file, OpenAPI documents and templates when they change, and rebuild and restart a function when its source files change")
		pprofOn    = fs.Bool("pprof", false, "serve net/http/pprof on the admin listener under /debug/pprof/")
		logFormat  = fs.String("log-format", "", "the gateway's log: text or json (default text)")
		logLevel   = fs.String("log-level", "", "least level logged: debug, info, warn or error (default info; warn hides the line per request)")
		etcdURLs   = fs.String("etcd", "", "cluster mode: etcd client URLs, comma-separated (replaces cluster.etcd.endpoints)")
		redisURL   = fs.String("redis", "", "cluster mode: Redis URL for throttles and the authorizer cache (replaces cluster.redis.url)")
		nodeName   = fs.String("node", "", "cluster mode: this node's name (default: host name and data listener port)")
		fnFlags    stringList
	)
	fs.Var(&fnFlags, "function", "NAME=COMMAND: a function speaking the Lambda Runtime API (repeatable)")
	tf := addTemplateFlags(fs)
	if code, done := parseFlags(fs, tf.extract(args)); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	over := config.Overrides{
		Listen:      *listen,
		AdminListen: *admin,
		TLSListen:   *tlsListen,
		DataDir:     *dataDir,
		Region:      *region,
		AccountID:   *account,
		LogFormat:   *logFormat,
		LogLevel:    *logLevel,
		OpenAPI:     *openapiDoc,
		Functions:   fnFlags,
		Etcd:        *etcdURLs,
		Redis:       *redisURL,
		Node:        *nodeName,
	}
	// load loads the configuration: the file, the flags over it, the
	// templates. --watch calls it again on every change (app.Options.Reload).
	load := func(infos io.Writer) (*config.Config, error) {
		return loadAll(*configFile, over, tf, *openapiDoc == "", infos)
	}
	cfg, err := load(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	logs := newLogs(cfg, stderr)
	defer logs.Close()
	stderr = logs.Writer()
	ctx, stop := stopContext(logs.Logger)
	defer stop()
	if err := app.Run(ctx, cfg, app.Options{
		Stderr: stderr, Logger: logs.Logger, RequestLogger: logs.Requests, JSONLines: logs.Format == logging.JSON,
		Watch: *watchFiles, Pprof: *pprofOn,
		Reload: func() (*config.Config, error) { return load(io.Discard) },
	}); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	return 0
}

// loadAll loads the configuration as serve does: the config file (or
// apigw.yaml in the working directory), the flags over it, --env-vars over
// its functions, then the templates (discovered in the working directory
// when discover is set and nothing else names an API). infos gets the
// template discovery's notes.
func loadAll(configFile string, over config.Overrides, tf *templateFlags, discover bool, infos io.Writer) (*config.Config, error) {
	cfg, err := loadConfig(configFile)
	if err != nil {
		return nil, err
	}
	if err := cfg.Apply(over); err != nil {
		return nil, err
	}
	if err := cfg.ApplyEnvVars(*tf.envVars); err != nil {
		return nil, err
	}
	if err := tf.apply(cfg, discover && cfg.File == "", infos); err != nil {
		return nil, err
	}
	return cfg, nil
}

// newLogs builds the gateway's log as the configuration asks (both values
// were checked when it was loaded).
func newLogs(cfg *config.Config, stderr io.Writer) *logging.Logs {
	format, err := logging.ParseFormat(cfg.LogFormat)
	if err != nil {
		format = logging.Text
	}
	level, err := logging.ParseLevel(cfg.LogLevel)
	if err != nil {
		level = slog.LevelInfo
	}
	return logging.New(stderr, format, level)
}

// loadConfig loads the named config file, or apigw.yaml in the working
// directory if it exists, or the defaults.
func loadConfig(file string) (*config.Config, error) {
	if file == "" {
		if _, err := os.Stat("apigw.yaml"); err != nil {
			return config.Default(), nil
		}
		file = "apigw.yaml"
	}
	return config.Load(file)
}
