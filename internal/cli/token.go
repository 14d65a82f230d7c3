package cli

import (
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"

	"github.com/apigwdev/apigw/internal/issuer"
)

// token implements `apigw token`: it reads the config file `apigw serve`
// reads (--config, default apigw.yaml in the working directory if it
// exists) for the data directory and the admin address, so that the token
// is signed with the key the gateway serves and names the issuer URL the
// gateway serves, from any working directory. --data-dir and --issuer
// override them. A data directory without an issuer key is refused, with
// the command that creates it: a new key would sign tokens that the
// gateway's key set does not hold (401 "the token has an invalid kid").
func token(args []string, stdout, stderr io.Writer) int {
	configFile := configArg(args)
	cfg, err := loadConfig(configFile)
	if err != nil {
		fmt.Fprintf(stderr, "apigw token: %v\n", err)
		return 1
	}
	from := " (default: the gateway's defaults)"
	serveCmd := "apigw serve"
	if cfg.File != "" {
		from = " (default: from " + displayPath(cfg.File) + ")"
		if configFile != "" {
			serveCmd += " --config " + configFile
		}
	}
	dataDir := cfg.DataDir
	return issuer.TokenCommand(args, stdout, stderr, issuer.TokenDefaults{
		DataDir:   dataDir,
		IssuerURL: issuerURL(cfg.AdminListen),
		From:      from,
		ConfigFlag: func(fs *flag.FlagSet) {
			fs.String("config", "", "the config file of the gateway whose issuer signs (default: apigw.yaml in the working directory if it exists)")
		},
		RequireKey: true,
		NoKey: func(dir string) string {
			return fmt.Sprintf("no issuer key in %s: the gateway creates it when it starts; run `%s` once (it may keep running), "+
				"or pass --data-dir with the data directory of the gateway that checks the tokens", filepath.Join(dir, issuer.KeyDir), serveCmd)
		},
	})
}

// configArg returns the value of --config (or -config) in args, "" if
// none.
func configArg(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return ""
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		if hasVal {
			return val
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// issuerURL is the URL the gateway's issuer has when the admin listener
// binds addr: its address as the listener reports it, followed by
// /_issuer (what app's issuer handler uses).
func issuerURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return issuer.DefaultIssuerURL
	}
	if host == "" {
		host = "::"
	}
	return "http://" + net.JoinHostPort(host, port) + issuer.PathPrefix
}

// displayPath shortens an absolute path to one relative to the working
// directory when that is shorter.
func displayPath(p string) string {
	if rel, err := filepath.Rel(".", p); err == nil && len(rel) < len(p) && !strings.HasPrefix(rel, "..") {
		return rel
	}
	if abs, err := filepath.Abs("."); err == nil {
		if rel, err := filepath.Rel(abs, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}
