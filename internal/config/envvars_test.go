package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestApplyEnvVars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Parse([]byte("functions:\n  pets: {command: [./bin/pets], env: {TABLE: pets, KEEP: yes}}\n  other: {command: [./bin/other]}\n  remote: {endpoint: \"http://127.0.0.1:9\"}\n"), filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "env.json")
	if err := os.WriteFile(file, []byte(`{"Parameters": {"STAGE": "dev", "TABLE": "all"}, "pets": {"TABLE": "pets-local", "PORT": 8080, "DEBUG": true}, "TemplateFn": {"X": "y"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyEnvVars(file); err != nil {
		t.Fatal(err)
	}
	pets := c.Functions["pets"].Env
	if pets["TABLE"] != "pets-local" || pets["STAGE"] != "dev" || pets["KEEP"] != "yes" || pets["PORT"] != "8080" || pets["DEBUG"] != "true" {
		t.Errorf("pets env %v", pets)
	}
	if other := c.Functions["other"].Env; other["STAGE"] != "dev" || other["TABLE"] != "all" || len(other) != 2 {
		t.Errorf("other env %v", other)
	}
	if r := c.Functions["remote"].Env; len(r) != 0 {
		t.Errorf("remote function got env %v", r)
	}
	if err := os.WriteFile(file, []byte(`{"pets": {"A": {"nested": 1}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyEnvVars(file); err == nil {
		t.Error("a nested value was accepted")
	}
	if err := os.WriteFile(file, []byte(`[1]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyEnvVars(file); err == nil {
		t.Error("a JSON array was accepted")
	}
}
