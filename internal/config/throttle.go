package config

import "gopkg.in/yaml.v3"

// Account-level throttle defaults: AWS's per-Region limit for all APIs of an
// account (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
const (
	DefaultAccountRateLimit  = 10000.0
	DefaultAccountBurstLimit = 5000
)

// AccountThrottle is the account-level token bucket every API and stage of
// the gateway shares, under the stage and route limits.
type AccountThrottle struct {
	// RateLimit is the steady rate in requests per second; default 10,000.
	RateLimit float64
	// BurstLimit is the bucket capacity in requests; default 5,000.
	BurstLimit int
}

func (d *decoder) accountThrottle(n *yaml.Node, c *Config) {
	d.fields(n, "accountThrottle", []string{"throttlingRateLimit", "throttlingBurstLimit"}, func(key string, _, v *yaml.Node) {
		what := "accountThrottle." + key
		switch key {
		case "throttlingRateLimit":
			if f, ok := d.number(v, what); ok {
				if f <= 0 {
					d.errf(v, "%s must be more than 0 requests per second", what)
					return
				}
				c.AccountThrottle.RateLimit = f
			}
		case "throttlingBurstLimit":
			if i, ok := d.integer(v, what); ok {
				if i <= 0 {
					d.errf(v, "%s must be at least 1 request", what)
					return
				}
				c.AccountThrottle.BurstLimit = i
			}
		}
	})
}
