package issuer

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// DefaultDataDir is the data directory of `apigw token` when --data-dir is
// not given, the gateway's default (docs/configuration.md: dataDir .apigw).
const DefaultDataDir = ".apigw"

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// TokenCommand implements `apigw token`: it mints a token with the local
// issuer whose keys are in --data-dir and prints it on stdout. It returns the
// process exit code: 0 on success, 2 for a usage error, 1 for any other
// failure (reported on stderr).
//
//	apigw token [--sub alice] [--aud myapp]... [--scope read]... [--claim k=v]...
//	            [--ttl 1h] [--data-dir .apigw] [--issuer http://127.0.0.1:3300/_issuer]
//
// --aud and --scope repeat (a --scope value may also hold several scopes
// separated by spaces). A --claim value that is valid JSON other than a bare
// string (a number, true, false, null, an array, an object, a quoted string)
// is used as that JSON value, anything else as a string: --claim admin=true
// is a boolean, --claim 'groups=["a","b"]' an array, --claim team=blue a
// string. --issuer must be the issuer URL the gateway serves (its admin
// address followed by /_issuer) and the JWT authorizer's issuer.
func TokenCommand(args []string, stdout, stderr io.Writer, d TokenDefaults) int {
	if d.DataDir == "" {
		d.DataDir = DefaultDataDir
	}
	if d.IssuerURL == "" {
		d.IssuerURL = DefaultIssuerURL
	}
	fs := flag.NewFlagSet("apigw token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sub     = fs.String("sub", "", "the token's subject (sub claim)")
		ttl     = fs.Duration("ttl", DefaultTTL, "the token's lifetime (negative for an expired token)")
		dataDir = fs.String("data-dir", d.DataDir, "the gateway's data directory, which holds the issuer's keys"+d.From)
		issuer  = fs.String("issuer", d.IssuerURL, "the issuer URL (the gateway's admin address + "+PathPrefix+")"+d.From)
		auds    listFlag
		scopes  listFlag
		claims  listFlag
	)
	fs.Var(&auds, "aud", "an audience (aud claim); repeat for several")
	fs.Var(&scopes, "scope", "a scope (scope claim); repeat for several")
	fs.Var(&claims, "claim", "an extra claim name=value (value parsed as JSON when it is JSON); repeat for several")
	if d.ConfigFlag != nil {
		d.ConfigFlag(fs)
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apigw token [--sub S] [--aud A]... [--scope S]... [--claim k=v]... [--ttl 1h] [--config FILE] [--data-dir DIR] [--issuer URL]")
		fmt.Fprintln(stderr, "Mints a token signed by the gateway's local OIDC issuer and prints it.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw token: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	opts := MintOptions{Subject: *sub, Audience: auds, TTL: *ttl}
	if *ttl == 0 {
		fmt.Fprintln(stderr, "apigw token: --ttl must not be 0")
		return 2
	}
	for _, s := range scopes {
		opts.Scopes = append(opts.Scopes, strings.Fields(s)...)
	}
	for _, c := range claims {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			fmt.Fprintf(stderr, "apigw token: --claim %q is not name=value\n", c)
			return 2
		}
		if opts.Claims == nil {
			opts.Claims = map[string]any{}
		}
		opts.Claims[name] = claimValue(value)
	}
	is, err := Open(*dataDir, *issuer, Options{Now: time.Now, NoCreate: d.RequireKey})
	if errors.Is(err, ErrNoKey) && d.NoKey != nil {
		fmt.Fprintf(stderr, "apigw token: %s\n", d.NoKey(*dataDir))
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "apigw token: %v\n", err)
		return 1
	}
	tok, err := is.Mint(opts)
	if err != nil {
		fmt.Fprintf(stderr, "apigw token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

// TokenDefaults are what the caller of TokenCommand knows: `apigw token`
// reads them from the config file that `apigw serve` reads.
type TokenDefaults struct {
	// DataDir and IssuerURL are the defaults of --data-dir and --issuer;
	// "" means DefaultDataDir and DefaultIssuerURL.
	DataDir, IssuerURL string
	// From is added to the flags' help, e.g. " (default: from apigw.yaml)".
	From string
	// ConfigFlag, if set, registers the caller's own flags (--config).
	ConfigFlag func(*flag.FlagSet)
	// RequireKey refuses a data directory without an issuer key instead
	// of creating one; NoKey then says what to do, given the directory.
	RequireKey bool
	NoKey      func(dataDir string) string
}

// claimValue returns v as a JSON value when it is one, else as a string.
// Numbers keep their exact text (json.Number).
func claimValue(v string) any {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) == nil && !dec.More() {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			return x
		}
	}
	return v
}
