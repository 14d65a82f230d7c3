// Package cli implements apigw's command line: the serve, validate and
// version subcommands (interface.md section 1). cmd/apigw only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/issuer"
)

// version is set at build time with -ldflags "-X ...cli.version=v1.2.3".
var version = ""

const usage = `apigw: Amazon API Gateway HTTP APIs, self-hosted.

Usage:
  apigw serve [flags]        run the gateway until SIGINT/SIGTERM
  apigw validate FILE...     check config files and OpenAPI documents
  apigw token [flags]        mint a JWT from the gateway's local OIDC issuer
  apigw ca [flags]           print the local CA's certificate (PEM) to trust for HTTPS
  apigw version              print the version

Run "apigw serve -h" for the flags of serve.
`

// Main runs the command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "token":
		return issuer.TokenCommand(args[1:], stdout, stderr)
	case "ca":
		return caCommand(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "apigw", Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "apigw: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// Version returns the build's version: the -ldflags value, else the module
// version or VCS revision recorded by the go command, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		configFile = fs.String("config", "", "config file (default: apigw.yaml in the working directory if it exists)")
		listen     = fs.String("listen", "", "data plane address (default 127.0.0.1:3000; port 0 picks a free port)")
		admin      = fs.String("admin-listen", "", "admin address: management APIs, /_health, /metrics (default 127.0.0.1:3300)")
		tlsListen  = fs.String("tls-listen", "", "HTTPS data plane address (default none; tls.listen in the config file)")
		dataDir    = fs.String("data-dir", "", "directory for the store and other state (default .apigw)")
		region     = fs.String("region", "", "region in ARNs, endpoints and SigV4 scopes (default us-east-1)")
		account    = fs.String("account-id", "", "account id in ARNs (default 000000000000)")
		openapiDoc = fs.String("openapi", "", "import this OpenAPI document as the default API with a $default stage")
		watchFiles = fs.Bool("watch", false, "rebuild and restart a function when its source files change (its dir, or its program without a build command)")
		pprofOn    = fs.Bool("pprof", false, "serve net/http/pprof on the admin listener under /debug/pprof/")
		fnFlags    stringList
	)
	fs.Var(&fnFlags, "function", "NAME=COMMAND: a function speaking the Lambda Runtime API (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg, err := loadConfig(*configFile)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	over := config.Overrides{
		Listen:      *listen,
		AdminListen: *admin,
		TLSListen:   *tlsListen,
		DataDir:     *dataDir,
		Region:      *region,
		AccountID:   *account,
		OpenAPI:     *openapiDoc,
		Functions:   fnFlags,
	}
	if err := cfg.Apply(over); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg, app.Options{Stderr: stderr, Watch: *watchFiles, Pprof: *pprofOn}); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	return 0
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
