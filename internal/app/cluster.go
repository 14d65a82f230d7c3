package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"

	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigwdev/apigw/internal/cluster"
	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth/rediscache"
	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/dataplane/throttle/redisquota"
	"github.com/apigwdev/apigw/internal/deploy"
	"github.com/apigwdev/apigw/internal/issuer"
	"github.com/apigwdev/apigw/internal/store/etcd"
)

// openCluster joins the cluster of cfg.Cluster (cluster mode): the store
// is etcd, followed by a cluster.Node. The config file's APIs are imported
// where etcd's differ; when etcd cannot be reached the node serves its
// local copy (cluster.Open).
func (g *Gateway) openCluster(in *compile.Input, d *deploy.Deployer) error {
	c := g.cfg.Cluster
	tlsCfg, err := etcdTLS(c.Etcd.TLS)
	if err != nil {
		return err
	}
	name := c.Node
	if name == "" {
		name = cluster.DefaultName(g.cfg.Listen)
	}
	n, err := cluster.Open(cluster.Options{
		Etcd: etcd.Options{
			Endpoints: c.Etcd.Endpoints, Prefix: c.Etcd.Prefix, DialTimeout: c.Etcd.DialTimeout,
			Username: c.Etcd.Username, Password: c.Etcd.Password, TLS: tlsCfg, Logger: g.log,
		},
		DataDir: g.cfg.DataDir, Name: name, Deployer: d, Logger: g.log,
	})
	if err != nil {
		return fmt.Errorf("cluster mode: %w", err)
	}
	g.cp = &controlPlane{store: n.Store(), deployer: d, node: n}
	q, err := g.newQuota(n)
	if err != nil {
		return err
	}
	g.cp.quota = q
	if !n.Connected() {
		return nil
	}
	if err := deploy.SyncConfig(n.Store(), g.cfg, in, d, g.logError, deploy.OnlyChanged()); err != nil {
		return err
	}
	if err := n.Load(); err != nil {
		return fmt.Errorf("cluster mode: loading etcd's state: %w", err)
	}
	return nil
}

// etcdTLS loads the TLS files of cluster.etcd.tls; nil when none is set.
func etcdTLS(t struct{ CA, Cert, Key string }) (*tls.Config, error) {
	if t.CA == "" && t.Cert == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("cluster.etcd.tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cluster.etcd.tls.ca %s: no PEM certificate in it", t.CA)
		}
		cfg.RootCAs = pool
	}
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("cluster.etcd.tls.cert and key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// startCluster starts following etcd and the membership, once the
// listeners are bound (their URLs are the member's).
func (g *Gateway) startCluster() {
	if g.cp == nil || g.cp.node == nil {
		return
	}
	data := ""
	if g.dataLn != nil {
		data = g.DataURL()
	}
	g.cp.node.Start(data, g.AdminURL())
}

// mountCluster serves GET /_cluster in cluster mode.
func (g *Gateway) mountCluster(mux *http.ServeMux) {
	if g.cp == nil || g.cp.node == nil {
		return
	}
	node := g.cp.node
	mux.HandleFunc("GET /_cluster", func(w http.ResponseWriter, _ *http.Request) {
		st := node.Status()
		st.Redis = g.redisStatus()
		b, err := json.Marshal(st)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

// redisStatus is the node's view of Redis for /_cluster.
func (g *Gateway) redisStatus() cluster.RedisStatus {
	q := g.cp.quota
	if q == nil || !q.Configured() {
		return cluster.RedisStatus{}
	}
	return cluster.RedisStatus{Configured: true, Reachable: !q.Fallback(), Fallback: q.Fallback()}
}

// newQuota connects to cluster.redis.url (when set) for cluster-wide
// limits. Credentials or TLS settings that Redis refuses fail the start;
// a Redis that does not answer starts the node in fallback (local limits
// divided by the live nodes), with a warning naming the address.
func (g *Gateway) newQuota(n *cluster.Node) (*redisquota.Quota, error) {
	prefix := g.cfg.Cluster.Etcd.Prefix
	if prefix == "" {
		prefix = etcd.DefaultPrefix
	}
	opts := redisquota.Options{Nodes: n.Live, Logger: g.log.With("component", "throttle"), Prefix: prefix,
		Account: throttle.Limits{Rate: g.cfg.AccountThrottle.RateLimit, Burst: g.cfg.AccountThrottle.BurstLimit}}
	u := g.cfg.Cluster.RedisURL
	if u == "" {
		return redisquota.New(opts), nil
	}
	ro, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("cluster.redis.url: %w", err)
	}
	client := redis.NewClient(ro)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err = client.Ping(ctx).Err()
	cancel()
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username"):
			client.Close()
			return nil, fmt.Errorf("redis at %s refused the credentials of cluster.redis.url: %w", ro.Addr, err)
		case strings.Contains(msg, "tls:") || strings.Contains(msg, "x509") || strings.Contains(msg, "first record does not look like a TLS handshake"):
			client.Close()
			return nil, fmt.Errorf("redis at %s: TLS failed (rediss:// needs a Redis serving TLS): %w", ro.Addr, err)
		}
		g.log.Warn(fmt.Sprintf("redis at %s does not answer (%v): limits are divided between the live nodes until it does", ro.Addr, err))
	}
	opts.Client = client
	if g.authz != nil && g.authz.Results != nil {
		g.cp.authzShare = rediscache.New(client, prefix, g.authz.Results, g.log.With("component", "authz"))
		g.authz.Results.Share(g.cp.authzShare)
	}
	q := redisquota.New(opts)
	if err != nil {
		q.Unreachable()
	}
	g.stage.metrics.CounterFunc("apigw_cluster_throttle_fallback", "Seconds this node throttled locally (limits divided by the live nodes) because Redis did not answer.", q.FallbackSeconds)
	return q, nil
}

// clusterThrottle is what makes limits cluster-wide, nil outside cluster
// mode.
func (g *Gateway) clusterThrottle() compile.ClusterThrottle {
	if g.cp == nil || g.cp.quota == nil {
		return nil
	}
	return g.cp.quota
}

// openSharedIssuer opens the local OIDC issuer with the cluster's keys in
// cluster mode: the keys etcd holds, or this node's own (created by open)
// made the cluster's when etcd has none yet, so that a token minted through
// any node verifies on every node. Outside cluster mode, or with etcd
// unreachable, it is open as is.
func (g *Gateway) openSharedIssuer(open func() (*issuer.Issuer, error)) (*issuer.Issuer, error) {
	if g.cp == nil || g.cp.node == nil {
		return open()
	}
	n := g.cp.node
	dir := filepath.Join(g.cfg.DataDir, issuer.KeyDir)
	found, err := n.PullIssuerKeys(dir)
	if err != nil {
		g.log.Warn("local OIDC issuer: using this node's own keys", "err", err)
	}
	is, err := open()
	if err != nil || found {
		return is, err
	}
	won, err := n.PushIssuerKeys(dir)
	if err != nil {
		g.log.Warn("local OIDC issuer: keys not shared with the cluster", "err", err)
		return is, nil
	}
	if won {
		return is, nil
	}
	// Another node shared its keys first: use them.
	if _, err := n.PullIssuerKeys(dir); err != nil {
		g.log.Warn("local OIDC issuer: using this node's own keys", "err", err)
		return is, nil
	}
	return open()
}
