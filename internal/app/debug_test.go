package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
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
		{Name: "node", Runtime: "nodejs20.x", Handler: "app.handler"},
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
	for _, name := range []string{"node", "remote", "ghost"} {
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
