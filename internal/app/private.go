package app

import (
	"fmt"

	"github.com/apigwdev/apigw/internal/integration/private"
)

// privateOptionsHook, when not nil, adjusts the options of the private
// targets registry before it is built. Tests set it (export_test.go) to
// inject a DNS resolver, root CAs and short backoffs; it is nil otherwise.
var privateOptionsHook func(*private.Options)

// newPrivate builds the registry of private integration targets from the
// configuration's vpcLinks and privateTargets. It lives as long as the
// gateway, across redeploys; New owns it (closePrivate).
func (g *Gateway) newPrivate() error {
	links := make([]string, 0, len(g.cfg.VpcLinks))
	for _, l := range g.cfg.VpcLinks {
		links = append(links, l.ID)
	}
	targets := make(map[string]private.Target, len(g.cfg.PrivateTargets))
	for uri, pt := range g.cfg.PrivateTargets {
		t := private.Target{Instances: pt.Instances, DNS: pt.DNS}
		if hc := pt.HealthCheck; hc != nil {
			t.HealthCheck = &private.HealthCheck{Path: hc.Path, Interval: hc.Interval}
		}
		targets[uri] = t
	}
	opts := private.Options{Transport: g.transport, Logger: g.log.With("component", "private")}
	if privateOptionsHook != nil {
		privateOptionsHook(&opts)
	}
	p, err := private.New(links, targets, opts)
	if err != nil {
		return fmt.Errorf("private targets: %w", err)
	}
	g.private = p
	return nil
}

// closePrivate stops the private targets' DNS refreshes and health checks.
func (g *Gateway) closePrivate() {
	if g.private != nil {
		_ = g.private.Close()
	}
}
