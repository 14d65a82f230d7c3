package app

import (
	"context"
	"testing"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
)

// TestRemoteCredentials covers the rule that picks the credentials of
// remote functions (remoteCredentials).
func TestRemoteCredentials(t *testing.T) {
	t.Parallel()
	local := functions.Config{Name: "l", Command: []string{"./bootstrap"}}
	remote := func(endpoint string) functions.Config { return functions.Config{Name: "r", Endpoint: endpoint} }
	configured := &config.Config{AWS: config.AWSConfig{Credentials: &config.Credentials{AccessKeyID: "AKIDCONFIG", SecretAccessKey: "s", SessionToken: "tok"}}}
	tests := []struct {
		name  string
		cfg   *config.Config
		fns   []functions.Config
		env   map[string]string
		want  string // access key id; "" means the SDK's default chain
		token string
	}{
		{name: "no remote function", cfg: configured, fns: []functions.Config{local}},
		{name: "aws.credentials", cfg: configured, fns: []functions.Config{remote("https://lambda.eu-west-1.amazonaws.com")},
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV"}, want: "AKIDCONFIG", token: "tok"},
		{name: "loopback, empty environment", cfg: &config.Config{}, fns: []functions.Config{local, remote("http://127.0.0.1:3001")}, want: "test"},
		{name: "localhost names and IPv6", cfg: &config.Config{}, fns: []functions.Config{remote("http://localhost:3001"), {Name: "b", Endpoint: "http://[::1]:9001"}, {Name: "c", Endpoint: "http://sam.localhost:9001"}}, want: "test"},
		{name: "loopback, credentials in the environment", cfg: &config.Config{}, fns: []functions.Config{remote("http://127.0.0.1:3001")},
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV"}},
		{name: "loopback, a profile in the environment", cfg: &config.Config{}, fns: []functions.Config{remote("http://127.0.0.1:3001")},
			env: map[string]string{"AWS_PROFILE": "dev"}},
		{name: "real Lambda", cfg: &config.Config{}, fns: []functions.Config{remote("https://lambda.us-east-1.amazonaws.com")}},
		{name: "mixed endpoints", cfg: &config.Config{}, fns: []functions.Config{remote("http://127.0.0.1:3001"), {Name: "b", Endpoint: "https://lambda.us-east-1.amazonaws.com"}}},
		{name: "a name that merely starts with localhost", cfg: &config.Config{}, fns: []functions.Config{remote("http://localhost.example.com:3001")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, why := remoteCredentials(tt.cfg, tt.fns, func(k string) string { return tt.env[k] })
			if tt.want == "" {
				if p != nil || why != "" {
					t.Errorf("got a provider (%q); want the default chain", why)
				}
				return
			}
			if p == nil || why == "" {
				t.Fatalf("got the default chain; want static credentials %s", tt.want)
			}
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != tt.want || c.SessionToken != tt.token {
				t.Errorf("credentials %s/%s; want %s/%s", c.AccessKeyID, c.SessionToken, tt.want, tt.token)
			}
		})
	}
}
