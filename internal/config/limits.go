package config

import (
	"time"

	"gopkg.in/yaml.v3"
)

// Limits bound what clients can make the data plane hold (docs/security.md).
// A zero field means the data plane's default.
type Limits struct {
	// BodyTimeout is the grace a request body gets before the minimum rate
	// applies (limits.bodyTimeout); default 10 s.
	BodyTimeout time.Duration
	// BodyMinRate is the slowest a request body may arrive, in bytes per
	// second after BodyTimeout (limits.bodyMinRate); default 65536.
	BodyMinRate int64
	// MemoryBudget bounds the memory that request bodies buffered for
	// Lambda and AWS service integrations hold at once, in bytes
	// (limits.memoryBudget); default 536870912 (512 MiB); -1 for none.
	MemoryBudget int64
}

func (d *decoder) limits(n *yaml.Node, c *Config) {
	d.fields(n, "limits", []string{"bodyTimeout", "bodyMinRate", "memoryBudget"}, func(key string, _, v *yaml.Node) {
		what := "limits." + key
		switch key {
		case "bodyTimeout":
			if t, ok := d.duration(v, what); ok {
				if t <= 0 {
					d.errf(v, "%s must be more than 0s", what)
					return
				}
				c.Limits.BodyTimeout = t
			}
		case "bodyMinRate":
			if i, ok := d.integer(v, what); ok {
				if i <= 0 {
					d.errf(v, "%s must be at least 1 byte per second", what)
					return
				}
				c.Limits.BodyMinRate = int64(i)
			}
		case "memoryBudget":
			if i, ok := d.integer(v, what); ok {
				if i == 0 || i < -1 {
					d.errf(v, "%s must be a number of bytes, or -1 for no budget", what)
					return
				}
				c.Limits.MemoryBudget = int64(i)
			}
		}
	})
}
