#!/usr/bin/env bash
# Cost of replication, measured side by side: `quire bench pages` against a three-server cluster
# with an R=3/W=2 volume and against a one-server cluster with an R=1 volume, for 64 KiB and 4 KiB
# pages with 1 and 8 threads. Prints each figure and the R=3 / R=1 ratio.
#   tests/bench/pages.sh [PAGES]        (default 5000 pages per run)
# Run on demand, on a quiet machine; it is not part of the test suite. Loopback only; every
# process it starts is stopped by PID when it exits.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pages=${1:-5000}
work=$(mktemp -d /tmp/quire-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/quire" --version >/dev/null   # builds the distribution if needed
quire="$(ls -d "$root"/packaging/target/quire-*/bin/quire | head -n 1)"

# Not called in $(...): a subshell would keep the PID from the cleanup trap. Sets $port.
start_server() { # name zone extra-args...
  local name=$1 zone=$2; shift 2
  "$quire" server --data "$work/$name" --listen 127.0.0.1:0 --zone "$zone" --port-file "$work/$name.port" \
    --capacity 20G "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || { echo "server $name did not start:"; cat "$work/$name.log"; exit 1; }
  port=$(cat "$work/$name.port")
}

start_server r3-a z1 --catalog; c3=$port
start_server r3-b z2 --join "127.0.0.1:$c3"
start_server r3-c z3 --join "127.0.0.1:$c3"
start_server r1-a z1 --catalog; c1=$port
sleep 3
"$quire" volume create bench3 --size 100G --replicas 3 --write-quorum 2 --catalog "127.0.0.1:$c3" >/dev/null
"$quire" volume create bench1 --size 100G --replicas 1 --write-quorum 1 --catalog "127.0.0.1:$c1" >/dev/null

run() { # catalog volume page-size threads -> "writeMB/s readMB/s writeP50 writeP99"
  "$quire" bench pages --catalog "127.0.0.1:$1" --volume "$2" --pages "$pages" --page-size "$3" --threads "$4" --json |
    python3 -c 'import json,sys; r=json.load(sys.stdin); w=r["write"]; d=r["read"]; print("%.1f %.1f %.2f %.2f" % (w["mbPerSecond"], d["mbPerSecond"], w["p50Ms"], w["p99Ms"]))'
}

printf '%-6s %-7s | %-28s | %-28s | %s\n' "page" "threads" "R=3/W=2 write,read MB/s p50/p99" "R=1 write,read MB/s p50/p99" "write ratio, read ratio"
for size in 64K 4K; do
  for threads in 1 8; do
    read -r w3 r3 p503 p993 <<<"$(run "$c3" bench3 "$size" "$threads")"
    read -r w1 r1 p501 p991 <<<"$(run "$c1" bench1 "$size" "$threads")"
    ratio=$(python3 -c "print('%.2fx, %.2fx' % ($w3 / $w1, $r3 / $r1))")
    printf '%-6s %-7s | %6s %6s %6s/%-7s | %6s %6s %6s/%-7s | %s\n' "$size" "$threads" "$w3" "$r3" "$p503" "$p993" "$w1" "$r1" "$p501" "$p991" "$ratio"
  done
done
