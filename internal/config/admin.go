package config

import (
	"context"
	"fmt"
	"net"
	"time"

	"gopkg.in/yaml.v3"
)

// Admin configures access to the admin listener (docs/configuration.md,
// admin).
type Admin struct {
	// Credentials, when not empty, are the only ones that may call the
	// management API (/v2/...) and the Lambda Invoke API (/2015-03-31/...):
	// every such request must be SigV4-signed with one of them. Empty
	// leaves the admin listener open (it binds to loopback by default).
	Credentials []AdminCredential
	// AllowUnauthenticated (admin.allowUnauthenticated) lets the admin
	// listener serve without Credentials on an address other hosts can
	// reach; without it such a configuration refuses to start (see
	// CheckExposure). Default false.
	AllowUnauthenticated bool
}

// AdminCredential is a key pair that may sign admin requests.
type AdminCredential struct {
	// AccessKeyID is 1..128 letters and digits, unique among the admin
	// credentials.
	AccessKeyID string
	// SecretAccessKey is the signing secret; never logged.
	SecretAccessKey string
	// Line and Column locate the entry in the file.
	Line, Column int
}

// String returns the access key id, never the secret.
func (c AdminCredential) String() string { return c.AccessKeyID }

// Required reports whether admin requests must be signed.
func (a *Admin) Required() bool { return len(a.Credentials) > 0 }

func (d *decoder) admin(n *yaml.Node, c *Config) {
	d.fields(n, "admin", []string{"credentials", "allowUnauthenticated"}, func(key string, k, v *yaml.Node) {
		if key == "allowUnauthenticated" {
			c.Admin.AllowUnauthenticated, _ = d.boolean(v, "admin.allowUnauthenticated")
			return
		}
		entries := d.seq(v, "admin.credentials")
		if len(entries) == 0 && (v.Kind == yaml.SequenceNode || isNull(v)) {
			d.errf(v, "admin.credentials must list at least one {accessKeyId, secretAccessKey}; leave out admin to keep the admin listener open")
			return
		}
		keys := map[string]bool{}
		for _, e := range entries {
			cr := AdminCredential{Line: e.Line, Column: e.Column}
			ok := d.fields(e, "admin.credentials entry", []string{"accessKeyId", "secretAccessKey"}, func(key string, _, v *yaml.Node) {
				what := "admin.credentials." + key
				s, ok := d.str(v, what)
				if !ok {
					return
				}
				switch key {
				case "accessKeyId":
					switch {
					case !accessKeyID.MatchString(s):
						d.errf(v, "%s %q must be 1 to 128 letters and digits", what, s)
					case keys[s]:
						d.errf(v, "%s %q is used by another admin credential", what, s)
					default:
						keys[s] = true
						cr.AccessKeyID = s
					}
				case "secretAccessKey":
					if s == "" {
						d.errf(v, "%s must not be empty", what)
					}
					cr.SecretAccessKey = s
				}
			})
			if !ok {
				continue
			}
			for _, req := range []string{"accessKeyId", "secretAccessKey"} {
				if lookup(e, req) == nil {
					d.errf(e, "admin.credentials entry: %s is required", req)
				}
			}
			c.Admin.Credentials = append(c.Admin.Credentials, cr)
		}
	})
}

// CheckExposure refuses an admin listener that other hosts can reach
// without credentials: through it anyone could change APIs and invoke
// functions, including those the data plane serves only behind AWS_IAM.
// listen is the admin listener's host:port; a host name is resolved, and
// every address must be a loopback one. admin.allowUnauthenticated says
// the exposure is intended.
func (a *Admin) CheckExposure(listen string) error {
	if a.Required() || a.AllowUnauthenticated {
		return nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("admin listener %s: %w", listen, err)
	}
	if loopbackHost(host) {
		return nil
	}
	return fmt.Errorf("admin listener %s is reachable from other hosts and admin.credentials is not set: "+
		"anyone who can connect could change APIs and invoke functions. Bind it to loopback "+
		"(adminListen: 127.0.0.1:3300, or --admin-listen 127.0.0.1:3300), or add admin.credentials "+
		"(accessKeyId, secretAccessKey) to the config file, or set admin.allowUnauthenticated: true "+
		"if the exposure is intended", listen)
}

// loopbackHost reports whether every address host stands for is a loopback
// one. "" (all interfaces) is not; a name that does not resolve is not.
func loopbackHost(host string) bool {
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	if host == "localhost" {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return false
		}
	}
	return true
}
