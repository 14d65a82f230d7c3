-- wrk script for bench/run.sh: one machine-readable line at the end,
-- "BENCH requests duration_us p50_us p99_us p99.9_us errors".
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    e.connect + e.read + e.write + e.status + e.timeout))
end
