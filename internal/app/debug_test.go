package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

func TestDebugFunction(t *testing.T) {
	dir := t.TempDir()
	dlv := filepath.Join(dir, "dlv")
	if err := os.WriteFile(dlv, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	fns := []functions.Config{
		{Name: "api", Command: []string{"./bin/api", "-v"}, Dir: "/src", Concurrency: 10},
		{Name: "node", Runtime: "nodejs20.x", Handler: "app.handler", Env: map[string]string{"NODE_OPTIONS": "--enable-source-maps"}},
		{Name: "py", Runtime: "python3.11", Handler: "app.handler"},
		{Name: "py-aws", Runtime: "python3.11", Handler: "app.handler", RuntimeClient: "aws"},
		{Name: "remote", Endpoint: "http://127.0.0.1:9"},
	}
	cfg := &config.Config{DebugFunction: "api", DebugPort: 2345}
	attach, err := debugFunction(cfg, fns)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(fns[0].Command, " ")
	want := dlv + " exec --headless --listen=127.0.0.1:2345 --api-version=2 --accept-multiclient /src/bin/api -- -v"
	if got != want || fns[0].Timeout != functions.MaxTimeout || fns[0].Concurrency != 1 {
		t.Errorf("command %q (want %q), timeout %v, concurrency %d", got, want, fns[0].Timeout, fns[0].Concurrency)
	}
	if !strings.Contains(attach, "dlv connect 127.0.0.1:2345") {
		t.Errorf("attach hint %q", attach)
	}
	if _, err := debugFunction(&config.Config{DebugFunction: "node", DebugPort: 9229}, fns); err != nil {
		t.Fatal(err)
	}
	if got := fns[1].Env["NODE_OPTIONS"]; got != "--enable-source-maps --inspect-brk=127.0.0.1:9229" {
		t.Errorf("node NODE_OPTIONS %q", got)
	}
	if _, err := debugFunction(&config.Config{DebugFunction: "py", DebugPort: 5678}, fns); err != nil {
		t.Fatal(err)
	}
	if got := fns[2].Env[runtimes.DebugpyEnv]; got != "127.0.0.1:5678" || fns[2].Timeout != functions.MaxTimeout {
		t.Errorf("python debug env %q, timeout %v", got, fns[2].Timeout)
	}
	for _, name := range []string{"py-aws", "remote", "ghost"} {
		if _, err := debugFunction(&config.Config{DebugFunction: name, DebugPort: 1}, fns); err == nil {
			t.Errorf("debugging %s: no error", name)
		}
	}
	if _, err := exec.LookPath("dlv"); err != nil {
		t.Fatal(err)
	}
}

func TestRuntimeFamily(t *testing.T) {
	for in, want := range map[string]string{"nodejs20.x": "nodejs", "python3.12": "python", "provided.al2023": "provided", "": ""} {
		if got := runtimeFamily(in); got != want {
			t.Errorf("runtimeFamily(%q) = %q; want %q", in, got, want)
		}
	}
}
