package app

import (
	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane/accesslog"
	"github.com/apigwdev/apigw/internal/dataplane/throttle"
	"github.com/apigwdev/apigw/internal/metrics"
)

// stageServices are the long-lived services that stage features use, shared
// by every compiled snapshot so that they survive redeploys: the account
// throttle, the access log destinations and the metrics registry.
type stageServices struct {
	account *throttle.Bucket
	logs    *accesslog.Sinks
	metrics *metrics.Registry
}

func (g *Gateway) newStageServices() {
	g.stage.account = throttle.NewBucket(throttle.Limits{Rate: g.cfg.AccountThrottle.RateLimit, Burst: g.cfg.AccountThrottle.BurstLimit}, nil)
	g.stage.logs = accesslog.NewSinks(accesslog.Options{DataDir: g.cfg.DataDir, Logger: g.log.With("component", "accesslog")})
	g.stage.metrics = metrics.NewRegistry(metrics.Options{})
	logs := g.stage.logs
	g.stage.metrics.CounterFunc(metrics.NameAccessLogDropped, "Access log entries dropped because a destination could not keep up.",
		func() float64 { return float64(logs.Dropped()) })
	fns := g.fns
	g.stage.metrics.GaugeVecFunc(metrics.NameFunctionInstances, "Local function processes alive, by state.", []string{"function", "state"},
		func(emit func(float64, ...string)) {
			for _, st := range fns.Stats() {
				emit(float64(st.Idle), st.Name, "idle")
				emit(float64(st.Instances-st.Idle), st.Name, "busy")
			}
		})
	g.stage.metrics.CounterVecFunc(metrics.NameFunctionColdStarts, "Local function instances started (cold starts).", []string{"function"},
		func(emit func(float64, ...string)) {
			for _, st := range fns.Stats() {
				emit(float64(st.ColdStarts), st.Name)
			}
		})
}

// compileDeps are the dependencies of every compilation (the config file's
// APIs at start, and every later deployment).
func (g *Gateway) compileDeps() compile.Deps {
	return compile.Deps{
		Functions:   functionCaller{m: g.fns, tracer: g.tracer},
		HasFunction: g.fns.Has,
		Transport:   g.transport,
		Logger:      g.log,
		Account:     g.stage.account,
		AccessLogs:  g.stage.logs,
		Authorizers: g.authz,
		AWS:         g.awsClients,
		Private:     g.private,

		ClusterThrottle: g.clusterThrottle(),
	}
}

// closeStageServices flushes the access logs; called once no request runs.
func (g *Gateway) closeStageServices() {
	if g.stage.logs != nil {
		if err := g.stage.logs.Close(); err != nil {
			g.log.Error("closing access logs", "err", err)
		}
	}
}
