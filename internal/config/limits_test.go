package config

import (
	"strings"
	"testing"
	"time"
)

func TestLimitsAndAdminExposure(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("limits:\n  bodyTimeout: 5s\n  bodyMinRate: 1024\n  memoryBudget: -1\nadmin:\n  allowUnauthenticated: true\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Limits{BodyTimeout: 5 * time.Second, BodyMinRate: 1024, MemoryBudget: -1}); c.Limits != want {
		t.Errorf("limits = %+v; want %+v", c.Limits, want)
	}
	if !c.Admin.AllowUnauthenticated {
		t.Error("admin.allowUnauthenticated not read")
	}
	_, err = Parse([]byte("limits:\n  bodyTimeout: 0s\n  bodyMinRate: 0\n  memoryBudget: 0\n  other: 1\n"), "c.yaml")
	if err == nil {
		t.Fatal("bad limits accepted")
	}
	for _, want := range []string{"c.yaml:2:16: limits.bodyTimeout", "c.yaml:3:16: limits.bodyMinRate", "c.yaml:4:17: limits.memoryBudget", "other"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
