#!/usr/bin/env bash
# A three-node apigw cluster on one machine, to try cluster mode: one etcd,
# one Redis (started by scripts/etcd.sh and scripts/redis.sh) and three
# gateways serving the petstore example, each with its own listeners and
# data directory:
#
#   node    data plane              admin
#   gw-1    http://127.0.0.1:3001   http://127.0.0.1:3301
#   gw-2    http://127.0.0.1:3002   http://127.0.0.1:3302
#   gw-3    http://127.0.0.1:3003   http://127.0.0.1:3303
#
# Ctrl-C stops the three nodes, etcd and Redis. On real machines, run one
# `apigw serve --config apigw.yaml --etcd ... --redis ... --node NAME` per
# machine with the same apigw.yaml (docs/scaling.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

etcd_url=$(scripts/etcd.sh start)
redis_url=$(scripts/redis.sh start)
go build -o .tools/apigw ./cmd/apigw
pids=()
stop() {
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	scripts/etcd.sh stop
	scripts/redis.sh stop
}
trap stop EXIT INT TERM
for i in 1 2 3; do
	.tools/apigw serve --config examples/petstore/apigw.yaml \
		--listen "127.0.0.1:300$i" --admin-listen "127.0.0.1:330$i" --data-dir ".tools/cluster/gw-$i" \
		--etcd "$etcd_url" --redis "$redis_url" --node "gw-$i" 2>&1 | sed "s/^/gw-$i | /" &
	pids+=($!)
done
echo "etcd $etcd_url, redis $redis_url; try: .tools/apigw cluster status --admin http://127.0.0.1:3302"
wait
