package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// SummarySection adds lines to the startup summary, which `apigw serve`
// prints after the listening lines and again after each reload (--watch):
// it gets the snapshot being served and returns lines, indented as it
// likes; nil adds nothing. Sections run in order after the APIs.
type SummarySection func(s *snapshot.Snapshot) []string

// summary renders what a snapshot serves: for each API, its id, name,
// stages, base URLs (the plain URL of the default API, host style, path
// style, custom domains) and every route with its integration and
// authorizer; then the lines of each extra section. dataURL is the data
// plane's base URL. It is a pure function of its arguments.
func summary(s *snapshot.Snapshot, dataURL string, hasFunction func(string) bool, extra []SummarySection) []string {
	if s == nil {
		return nil
	}
	var out []string
	scheme, host, port := urlHostPort(dataURL)
	ids := make([]string, 0, len(s.APIs))
	for id := range s.APIs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		out = append(out, "no API is served yet: add one to the config file (apis:), pass --openapi, or create one through the management API")
	}
	for _, id := range ids {
		a := s.APIs[id]
		head := "API " + a.ID
		if a.Name != "" {
			head += fmt.Sprintf(" %q", a.Name)
		}
		if s.Default == a {
			head += ", the default API"
		}
		if a.DisableExecuteAPIEndpoint {
			head += ", execute-api endpoint disabled"
		}
		out = append(out, head)
		for _, st := range sortedStages(a) {
			prefix := ""
			if st.Name != model.DefaultStageName {
				prefix = "/" + st.Name
			}
			out = append(out, "  stage "+st.Name)
			var urls []string
			if !a.DisableExecuteAPIEndpoint {
				if s.Default == a {
					urls = append(urls, scheme+"://"+net.JoinHostPort(host, port)+prefix)
				}
				urls = append(urls,
					scheme+"://"+net.JoinHostPort(a.ID+".execute-api.localhost", port)+prefix,
					scheme+"://"+net.JoinHostPort(host, port)+"/_aws/execute-api/"+a.ID+prefix)
			}
			urls = append(urls, domainURLs(s, a, st, scheme, port)...)
			for _, u := range urls {
				out = append(out, "    "+u)
			}
			out = append(out, routeLines(st, hasFunction)...)
		}
	}
	for _, sec := range extra {
		out = append(out, sec(s)...)
	}
	return out
}

// routeLines lists a stage's routes, one per line, the route keys aligned;
// a Lambda target that hasFunction does not know is flagged.
func routeLines(st *snapshot.Stage, hasFunction func(string) bool) []string {
	if len(st.Routes) == 0 {
		return []string{"    (no routes)"}
	}
	width := 0
	for _, r := range st.Routes {
		width = max(width, len(r.Key.Raw))
	}
	lines := make([]string, 0, len(st.Routes))
	for _, r := range st.Routes {
		target := "(no integration)"
		if r.Integration != nil {
			target = r.Integration.Target
			if target == "" {
				target = r.Integration.Type
			}
			if fn, ok := strings.CutPrefix(target, "function "); ok && hasFunction != nil {
				name, _, _ := strings.Cut(fn, ":")
				if !hasFunction(name) {
					target += " (NOT CONFIGURED: the route answers 500)"
				}
			}
		}
		l := fmt.Sprintf("    %-*s  -> %s", width, r.Key.Raw, target)
		switch {
		case r.AuthorizationType == "" || r.AuthorizationType == model.AuthNone:
		case r.AuthorizerName != "":
			l += fmt.Sprintf("  [%s authorizer %s]", r.AuthorizationType, r.AuthorizerName)
		default:
			l += "  [" + r.AuthorizationType + "]"
		}
		lines = append(lines, l)
	}
	return lines
}

// sortedStages returns an API's stages, $default first, then by name.
func sortedStages(a *snapshot.API) []*snapshot.Stage {
	out := make([]*snapshot.Stage, 0, len(a.Stages)+1)
	if a.DefaultStage != nil {
		out = append(out, a.DefaultStage)
	}
	for _, st := range a.Stages {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == model.DefaultStageName) != (out[j].Name == model.DefaultStageName) {
			return out[i].Name == model.DefaultStageName
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// domainURLs are the custom domain URLs that reach stage st of API a.
func domainURLs(s *snapshot.Snapshot, a *snapshot.API, st *snapshot.Stage, scheme, port string) []string {
	var urls []string
	for _, doms := range []map[string]*snapshot.Domain{s.Domains, s.WildcardDomains} {
		for _, d := range doms {
			for _, m := range d.Mappings {
				if m.API != a || m.Stage != st {
					continue
				}
				u := scheme + "://" + net.JoinHostPort(d.Name, port)
				if m.Key != "" {
					u += "/" + m.Key
				}
				urls = append(urls, u+" (custom domain)")
			}
		}
	}
	sort.Strings(urls)
	return urls
}

// urlHostPort splits a base URL's scheme, host and port; an unspecified
// address (0.0.0.0, ::) becomes 127.0.0.1, which a client can reach.
func urlHostPort(base string) (scheme, host, port string) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "http", "127.0.0.1", "3000"
	}
	scheme, host, port = u.Scheme, u.Hostname(), u.Port()
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme, host, port
}

// printSummary announces the startup summary of what is served now.
func (g *Gateway) printSummary() {
	base := g.DataURL()
	if base == "" {
		base = g.TLSURL()
	}
	for _, l := range summary(g.data.Snapshot(), base, g.fns.Has, g.opts.SummarySections) {
		g.announce(l)
	}
}

// functionChecks builds and checks the configured functions at start
// (functions.Manager.Check), so that a missing program, a missing
// interpreter or a failed build shows in the summary rather than at the
// first request. It runs in the background, one function at a time
// (builds compete for the same two cores), and prints one line per
// function as it is checked.
type functionChecks struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// checkFunctions starts the checks of every configured function.
func (g *Gateway) checkFunctions() {
	names := g.fns.Names()
	if len(names) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.checks = &functionChecks{cancel: cancel}
	g.res.own("function checks", noError(g.stopChecks))
	g.checks.wg.Go(func() {
		g.announce("functions (built and checked at start)")
		for _, n := range names {
			start := time.Now()
			err := g.fns.Check(ctx, n)
			if ctx.Err() != nil {
				return
			}
			g.announce(functionLine(g, n, err, time.Since(start)))
		}
	})
}

// functionLine describes one checked function.
func functionLine(g *Gateway, name string, err error, took time.Duration) string {
	c, _ := g.fns.Config(name)
	what := ""
	switch {
	case c.Endpoint != "":
		what = "remote, " + c.Endpoint
	case c.Runtime != "":
		what = c.Runtime + " " + c.Handler
	default:
		what = strings.Join(c.Command, " ")
	}
	if err != nil {
		return fmt.Sprintf("  %s (%s): CANNOT START: %v", name, what, err)
	}
	if len(c.Build) > 0 {
		return fmt.Sprintf("  %s (%s): ready, built in %v", name, what, took.Round(10*time.Millisecond))
	}
	return fmt.Sprintf("  %s (%s): ready", name, what)
}

// stopChecks cancels the function checks (and the builds they run) and
// waits for them.
func (g *Gateway) stopChecks() {
	if g.checks == nil {
		return
	}
	g.checks.cancel()
	g.checks.wg.Wait()
}
