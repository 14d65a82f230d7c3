package config

import "gopkg.in/yaml.v3"

// Admin configures access to the admin listener (interface.md section 3,
// admin).
type Admin struct {
	// Credentials, when not empty, are the only ones that may call the
	// management API (/v2/...) and the Lambda Invoke API (/2015-03-31/...):
	// every such request must be SigV4-signed with one of them. Empty
	// leaves the admin listener open (it binds to loopback by default).
	Credentials []AdminCredential
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
	d.fields(n, "admin", []string{"credentials"}, func(key string, k, v *yaml.Node) {
		// key is always "credentials".
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
