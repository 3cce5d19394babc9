#!/bin/bash
# A/B of two builds of the broker, side by side on this machine: for each round, each build's
# broker (one process, default settings, a fresh data directory, a free port) gets the same
# `samsa bench` runs from this checkout's client: produce 1M x 100 B with acks=1 and acks=all,
# then consume the acks=1 topic. Prints one line per build per round (records/s).
#
#   scripts/bench/ab-brokers.sh /path/to/before-checkout /path/to/after-checkout [rounds]
#
# Both checkouts must be built (npx tsc -p .). Rounds interleave the builds, so load on a noisy
# machine hits both alike; compare medians.
set -euo pipefail
before=$1
after=$2
rounds=${3:-3}
here=$(cd "$(dirname "$0")/../.." && pwd)
cli="$here/dist/client/cli/main.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rate() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).recordsPerSecond))'; }

run() {
  local repo=$1 tag=$2 dir
  dir=$(mktemp -d "$work/broker.XXXX")
  node "$repo/dist/client/cli/main.js" broker start --port 0 --admin-port -1 --data-dir "$dir/data" >"$dir/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do grep -q 'broker ready' "$dir/log" && break; sleep 0.1; done
  local b
  b=$(grep -o 'ready on [0-9.]*:[0-9]*' "$dir/log" | cut -d' ' -f3)
  local p1 p2 c1
  p1=$(node "$cli" --brokers "$b" bench produce t1 -n 1000000 --json 2>/dev/null | rate)
  p2=$(node "$cli" --brokers "$b" bench produce t2 -n 1000000 --acks all --json 2>/dev/null | rate)
  c1=$(node "$cli" --brokers "$b" bench consume t1 -n 1000000 --json 2>/dev/null | rate)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$tag produce-acks1=$p1 produce-acksall=$p2 consume=$c1"
}

for r in $(seq 1 "$rounds"); do
  echo "round $r (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  run "$before" before
  run "$after" after
done
