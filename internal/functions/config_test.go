package functions_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

func TestNewValidatesConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfgs      []functions.Config
		wantField string // "" means valid
	}{
		{name: "local", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}}}},
		{name: "remote", cfgs: []functions.Config{{Name: "a", Endpoint: "http://127.0.0.1:3001"}}},
		{name: "bad name", cfgs: []functions.Config{{Name: "a b", Command: []string{"x"}}}, wantField: "name"},
		{name: "long name", cfgs: []functions.Config{{Name: strings.Repeat("a", 65), Command: []string{"x"}}}, wantField: "name"},
		{name: "neither command nor endpoint", cfgs: []functions.Config{{Name: "a"}}, wantField: "command"},
		{name: "both", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Endpoint: "http://h"}}, wantField: "runtime"},
		{name: "runtime", cfgs: []functions.Config{{Name: "a", Runtime: "python3.11", Handler: "app.handler", LogFormat: "JSON", LogLevel: "WARN", Interpreter: "/nonexistent/python3"}}},
		{name: "runtime and command", cfgs: []functions.Config{{Name: "a", Runtime: "python3.11", Handler: "app.handler", Command: []string{"x"}}}, wantField: "runtime"},
		{name: "unknown runtime", cfgs: []functions.Config{{Name: "a", Runtime: "java21", Handler: "app.handler"}}, wantField: "runtime"},
		{name: "runtime without handler", cfgs: []functions.Config{{Name: "a", Runtime: "nodejs20.x"}}, wantField: "handler"},
		{name: "handler without runtime", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Handler: "a.b"}}, wantField: "handler"},
		{name: "bad runtime client", cfgs: []functions.Config{{Name: "a", Runtime: "nodejs20.x", Handler: "a.b", RuntimeClient: "docker"}}, wantField: "runtimeclient"},
		{name: "log level without JSON", cfgs: []functions.Config{{Name: "a", Runtime: "nodejs20.x", Handler: "a.b", LogLevel: "WARN"}}, wantField: "logformat"},
		{name: "exec wrapper allowed", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Env: map[string]string{"AWS_LAMBDA_EXEC_WRAPPER": "./w"}}}},
		{name: "endpoint not a URL", cfgs: []functions.Config{{Name: "a", Endpoint: "127.0.0.1:3001"}}, wantField: "endpoint"},
		{name: "build on remote", cfgs: []functions.Config{{Name: "a", Endpoint: "http://h", Build: []string{"make"}}}, wantField: "build"},
		{name: "remote name on local", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, RemoteName: "b"}}, wantField: "remotename"},
		{name: "empty program", cfgs: []functions.Config{{Name: "a", Command: []string{""}}}, wantField: "command"},
		{name: "reserved env", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Env: map[string]string{"AWS_REGION": "x"}}}, wantField: "env"},
		{name: "legacy rpc port", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Env: map[string]string{"_LAMBDA_SERVER_PORT": "1"}}}, wantField: "env"},
		{name: "credentials allowed", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Env: map[string]string{"AWS_ACCESS_KEY_ID": "x"}}}},
		{name: "timeout too long", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Timeout: 901 * time.Second}}, wantField: "timeout"},
		{name: "negative timeout", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Timeout: -time.Second}}, wantField: "timeout"},
		{name: "memory too small", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, MemorySize: 64}}, wantField: "memorysize"},
		{name: "negative concurrency", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}, Concurrency: -1}}, wantField: "concurrency"},
		{name: "duplicate", cfgs: []functions.Config{{Name: "a", Command: []string{"x"}}, {Name: "a", Command: []string{"y"}}}, wantField: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := functions.New(functions.Options{Credentials: nil}, tt.cfgs)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				_ = m.Close(t.Context())
				return
			}
			var ce *functions.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New = %v; want a *ConfigError", err)
			}
			if !strings.Contains(err.Error(), `function "`+tt.cfgs[len(tt.cfgs)-1].Name+`": `+tt.wantField+":") {
				t.Errorf("error %q does not name the function and the field %s", err, tt.wantField)
			}
		})
	}
}

func TestFunctionARN(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ region, qualifier, want string }{
		{"us-east-1", "", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"us-east-1", "live", "arn:aws:lambda:us-east-1:000000000000:function:f:live"},
		{"cn-north-1", "", "arn:aws-cn:lambda:cn-north-1:000000000000:function:f"},
		{"us-gov-west-1", "", "arn:aws-us-gov:lambda:us-gov-west-1:000000000000:function:f"},
	} {
		if got := functions.FunctionARN(tt.region, "000000000000", "f", tt.qualifier); got != tt.want {
			t.Errorf("FunctionARN(%s, %q) = %s; want %s", tt.region, tt.qualifier, got, tt.want)
		}
	}
}
