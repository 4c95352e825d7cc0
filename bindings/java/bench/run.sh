#!/usr/bin/env bash
# The Java SDK's benchmark in one run (`./dev bench-java`): release builds of axme-ffi and
# axme-server, the jar, a release server on a free port, then Bench.java (getIntent calls/s vs a
# plain HttpClient loop; resolve → waitFor wake-up), then the core's own client_overhead bench
# (its resolve → wait_for wake-up, the Rust figure to compare with). Report: target/bench-java.txt.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --release -p axme-ffi -p axme-server
classpath="$(cat target/java/classpath.txt)"
dir="$(mktemp -d)"
./target/release/axme-server --data-dir "$dir" --listen 127.0.0.1:0 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$dir/server-addr" ] && break; sleep 0.05; done
export AXME_BASE_URL="$(cat "$dir/server-addr")" AXME_API_KEY="$(cat "$dir/dev-api-key")"
{
  echo "# ./dev bench-java at $(date -u +%Y-%m-%dT%H:%M:%SZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Djna.library.path=target/release -cp "$classpath" bindings/java/bench/Bench.java
  echo "-- the core's own bench (in-process server), same run:"
  cargo bench -q -p axme-core --bench client_overhead 2>&1 | grep -iE "wake|p50|round" || true
} 2>&1 | tee target/bench-java.txt
