package app

import (
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/apigwdev/apigw/internal/cluster"
	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/controlplane"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth/rediscache"
	"github.com/apigwdev/apigw/internal/dataplane/throttle/redisquota"
	"github.com/apigwdev/apigw/internal/deploy"
	"github.com/apigwdev/apigw/internal/store"
)

// controlPlane is the management API's side of the gateway: the store in
// the data dir and the deployer that serves what it holds.
//
// Lifecycle: openStore (in New) opens {dataDir}/apigw.db, re-imports the
// config file's APIs and VPC links into it (compiling them in that
// transaction: one that does not compile fails the start), then compiles
// everything else the store holds and swaps the result in (package
// deploy); mountControlPlane (in Start) serves the apigatewayv2 API at /v2/
// on the admin listener; closeStore (in Shutdown and Close) releases the
// served snapshot's resources and closes the store.
type controlPlane struct {
	store    store.Store
	deployer *deploy.Deployer
	// node is this gateway's membership of a cluster (cluster.go); nil
	// without cluster mode, where store is the embedded bbolt store.
	node *cluster.Node
	// quota makes limits cluster-wide in cluster mode (cluster.go).
	quota *redisquota.Quota
	// authzShare shares Lambda authorizer results through Redis in
	// cluster mode.
	authzShare *rediscache.Cache
}

// openStore opens the store, brings the config file's APIs (already
// imported into in by buildInput) into it, and serves the store's content.
func (g *Gateway) openStore(in *compile.Input) error {
	// closeStore releases whichever store (and cluster node) is opened
	// below.
	g.res.own("store", noError(g.closeStore))
	d := deploy.New(deploy.Options{
		Region: g.cfg.Region, AccountID: g.cfg.AccountID,
		Deps: g.compileDeps, Swap: g.swapSnapshot, Logger: g.log,
	})
	if g.cfg.Cluster.Enabled() {
		return g.openCluster(in, d)
	}
	st, err := store.Open(g.cfg.DataDir)
	if err != nil {
		return err
	}
	g.cp = &controlPlane{store: st, deployer: d}
	if err := deploy.SyncConfig(st, g.cfg, in, d, g.logError); err != nil {
		return err
	}
	if err := st.View(d.Load); err != nil {
		g.log.Error(fmt.Sprintf("serving the store: %v; serving the config file's APIs only", err))
	}
	return nil
}

func (g *Gateway) logError(msg string) { g.log.Error(msg) }

// mountControlPlane serves the apigatewayv2 management API at /v2/.
func (g *Gateway) mountControlPlane(mux *http.ServeMux) {
	if g.cp == nil {
		return
	}
	dataURL := g.DataURL()
	if u, err := url.Parse(dataURL); err == nil {
		if host, port, err := net.SplitHostPort(u.Host); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
				dataURL = u.Scheme + "://" + net.JoinHostPort("127.0.0.1", port)
			}
		}
	}
	h, err := controlplane.New(controlplane.Options{
		Store:     g.cp.store,
		Deployer:  g.cp.deployer,
		Region:    g.cfg.Region,
		AccountID: g.cfg.AccountID,
		// Path style reaches the API from any client, with no DNS set-up
		// (docs/configuration.md).
		APIEndpoint:           func(apiID string) string { return dataURL + "/_aws/execute-api/" + apiID },
		ResetAuthorizersCache: g.resetAuthorizersCache,
		Truststore:            g.truststore,
		Logger:                g.log.With("component", "controlplane"),
	})
	if err != nil {
		g.log.Error("management API disabled", "err", err)
		return
	}
	mux.Handle("/v2/", h)
}

// resetAuthorizersCache drops the cached Lambda authorizer results of a
// stage (ResetAuthorizersCache).
func (g *Gateway) resetAuthorizersCache(apiID, stageName string) {
	if g.cp != nil && g.cp.authzShare != nil {
		// Every node of the cluster drops them (through Redis).
		if err := g.cp.authzShare.ResetStage(apiID, stageName); err != nil {
			g.log.Error("resetting the authorizer cache on the other nodes", "apiId", apiID, "stage", stageName, "err", err)
		}
		return
	}
	if g.authz != nil && g.authz.Results != nil {
		g.authz.Results.ResetStage(apiID, stageName)
	}
}

// closeStore releases what the served snapshot holds and closes the
// store; safe to call more than once.
func (g *Gateway) closeStore() {
	if g.cp == nil || g.cp.store == nil {
		return
	}
	g.cp.deployer.Close()
	if err := g.cp.store.Close(); err != nil {
		g.log.Error("closing store", "err", err)
	}
	if g.cp.authzShare != nil {
		g.cp.authzShare.Close()
	}
	if g.cp.quota != nil {
		g.cp.quota.Close()
	}
	if g.cp.node != nil {
		if err := g.cp.node.Close(); err != nil {
			g.log.Error("leaving the cluster", "err", err)
		}
	}
	g.cp.store = nil
}
