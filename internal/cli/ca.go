package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
)

// caCommand is `apigw ca`: it reads the config file as serve does, to find
// the data dir, and prints the certificate of the local CA kept there
// (creating the CA on first use), for clients to trust.
func caCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: apigw ca [--config FILE] [--data-dir DIR]\n\nPrints the local CA's certificate (PEM) on stdout; trust it to use the HTTPS listener without warnings.")
		fs.PrintDefaults()
	}
	configFile := fs.String("config", "", "config file (default: apigw.yaml in the working directory if it exists)")
	dataDir := fs.String("data-dir", "", "data dir holding the CA (default: the config file's dataDir, else .apigw)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
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
	_, err = stdout.Write(ca.PEM())
	if err != nil {
		return 1
	}
	return 0
}
