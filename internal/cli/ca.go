package cli

import (
	"fmt"
	"io"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// caCommand is `apigw ca`: it reads the config file as serve does, to find
// the data dir, and prints the certificate of the local CA kept there
// (creating the CA on first use), for clients to trust.
func caCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ca", "[--config FILE] [--data-dir DIR]",
		"Prints the certificate (PEM) of the local CA that signs the HTTPS listener's certificates\n"+
			"for names without a configured one ({apiId}.execute-api.localhost, localhost, custom domains).\n"+
			"Trust it once, e.g. curl --cacert, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE (docs/configuration.md).", stderr)
	configFile := fs.String("config", "", "config file, read as serve reads it (default: apigw.yaml in the working directory if it exists)")
	dataDir := fs.String("data-dir", "", "data dir holding the CA (default: the config file's dataDir, else .apigw)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw ca: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg, err := loadConfig(*configFile)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	if err := cfg.Apply(config.Overrides{DataDir: *dataDir}); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	ca, err := app.OpenCA(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(ca.PEM()); err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	return 0
}
