#!/usr/bin/env bash
# The .NET SDK benchmark (not part of ./dev test): release builds of axme-ffi and the reference
# server, Bench.exe on Mono against that server, then the Rust core's own resolve -> wait_for
# wake-up (core/benches/client_overhead.rs) in the same run for comparison.
# Usage: bash bindings/dotnet/bench/run.sh [calls per round] [rounds] [wake-ups]  (report: target/dotnet-bench/report.txt)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=target/dotnet-bench
mkdir -p "$out"
cargo build --release -p axme-ffi -p axme-server
ln -sf ../release/libaxme_ffi.so "$out/libaxme_ffi.so"
MCS=(mcs -langversion:7.2 -warnaserror -optimize -r:System.Json -r:System.Net.Http -r:System.Core)
"${MCS[@]}" -nowarn:1570 -target:library -out:"$out/Axme.Sdk.dll" -recurse:'bindings/dotnet/src/Axme.Sdk/*.cs'
"${MCS[@]}" -r:"$out/Axme.Sdk.dll" -out:"$out/Bench.exe" bindings/dotnet/bench/Bench.cs

data="$(mktemp -d)"
./target/release/axme-server --data-dir "$data" --listen 127.0.0.1:0 >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$data/server-addr" ] && break; sleep 0.05; done
{
  echo "# dotnet SDK benchmark at $(date -u +%Y-%m-%dT%H:%M:%SZ); load average $(cut -d' ' -f1-3 /proc/loadavg); mono $(mono --version | head -1 | awk '{print $5}')"
  (cd "$out" && mono Bench.exe "$(cat "$data/server-addr")" "$(cat "$data/dev-api-key")" "$@")
  echo "# the Rust core's wait_for in the same run (cargo bench -p axme-core --bench client_overhead):"
  AXME_BENCH_SAMPLES=400 AXME_BENCH_WAKEUPS=200 cargo bench -q -p axme-core --bench client_overhead 2>&1 | grep -iE "wait_for|wake|p50" || true
} | tee "$out/report.txt"
