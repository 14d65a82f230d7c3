package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Cluster configures cluster mode: several nodes sharing one set of APIs
// through etcd, and throttles and the Lambda authorizer cache through Redis
// (docs/scaling.md). Without Etcd endpoints the gateway runs alone on its
// embedded store.
type Cluster struct {
	// Etcd is where the control-plane state lives.
	Etcd Etcd
	// RedisURL (redis://host:port/db, rediss:// for TLS) is where the
	// throttles and the authorizer cache live; "" splits limits evenly
	// between the live nodes instead (approximate).
	RedisURL string
	// Node is this node's name; default: the host name and the data
	// listener's port.
	Node string
}

// Enabled reports whether cluster mode is on.
func (c *Cluster) Enabled() bool { return len(c.Etcd.Endpoints) > 0 }

// Etcd is how to reach etcd.
type Etcd struct {
	// Endpoints are client URLs, http:// or https://.
	Endpoints []string
	// Prefix is prepended to every key; default /apigw/. Clusters sharing
	// one etcd need different prefixes.
	Prefix string
	// DialTimeout bounds connecting; default 5 s.
	DialTimeout time.Duration
	// Username and Password authenticate to etcd (optional); the password
	// is never logged.
	Username, Password string
	// TLS files (PEM), resolved against the config file's directory: CA
	// verifies etcd's certificate; Cert and Key are the client's.
	TLS EtcdTLS
}

// EtcdTLS are the PEM files of an https etcd.
type EtcdTLS struct {
	CA, Cert, Key string
}

func (d *decoder) cluster(n *yaml.Node, c *Config) {
	d.fields(n, "cluster", []string{"etcd", "redis", "node"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "node":
			c.Cluster.Node, _ = d.str(v, "cluster.node")
		case "redis":
			d.fields(v, "cluster.redis", []string{"url"}, func(_ string, _, v *yaml.Node) {
				s, ok := d.str(v, "cluster.redis.url")
				if !ok {
					return
				}
				if msg := CheckRedisURL(s); msg != "" {
					d.errf(v, "cluster.redis.url: %s", msg)
					return
				}
				c.Cluster.RedisURL = s
			})
		case "etcd":
			d.etcd(v, c)
		}
	})
}

func (d *decoder) etcd(n *yaml.Node, c *Config) {
	e := &c.Cluster.Etcd
	d.fields(n, "cluster.etcd", []string{"endpoints", "prefix", "dialTimeout", "username", "password", "tls"}, func(key string, _, v *yaml.Node) {
		what := "cluster.etcd." + key
		switch key {
		case "endpoints":
			list, ok := d.strList(v, what)
			if !ok {
				return
			}
			for _, u := range list {
				if msg := checkURL(u); msg != "" {
					d.errf(v, "%s: %s", what, msg)
					return
				}
			}
			e.Endpoints = list
		case "prefix":
			if s, ok := d.str(v, what); ok {
				if !strings.HasPrefix(s, "/") || !strings.HasSuffix(s, "/") {
					d.errf(v, "%s %q must start and end with /", what, s)
					return
				}
				e.Prefix = s
			}
		case "dialTimeout":
			e.DialTimeout, _ = d.duration(v, what)
		case "username":
			e.Username, _ = d.str(v, what)
		case "password":
			e.Password, _ = d.str(v, what)
		case "tls":
			d.fields(v, what, []string{"ca", "cert", "key"}, func(key string, _, v *yaml.Node) {
				s, ok := d.str(v, what+"."+key)
				if !ok {
					return
				}
				switch key {
				case "ca":
					e.TLS.CA = d.path(s)
				case "cert":
					e.TLS.Cert = d.path(s)
				case "key":
					e.TLS.Key = d.path(s)
				}
			})
		}
	})
	if (e.TLS.Cert == "") != (e.TLS.Key == "") {
		d.errf(n, "cluster.etcd.tls: cert and key go together")
	}
}

// CheckRedisURL returns why s is not a redis:// or rediss:// URL, or "".
func CheckRedisURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fmt.Sprintf("%q is not a redis:// or rediss:// URL", s)
	}
	return ""
}

// CheckEtcdURLs returns why a comma-separated list of etcd URLs is not
// one, or "".
func CheckEtcdURLs(s string) string {
	for _, u := range strings.Split(s, ",") {
		if msg := checkURL(u); msg != "" {
			return msg
		}
	}
	return ""
}
