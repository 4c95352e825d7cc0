#!/usr/bin/env bash
# Benchmark this SDK against the public axme 0.2.0 from PyPI: two virtualenvs (both packages are
# named `axme`), one release build of the reference server, the same bench.py in both, same run.
# Usage: bash bindings/python/bench/run.sh [--calls N] [--wakeups M]   (report: target/py-bench/report.txt)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=target/py-bench
mkdir -p "$out"

[ -x "$out/public/bin/python" ] || python3 -m venv "$out/public"
"$out/public/bin/python" -m pip install -q --disable-pip-version-check "axme==0.2.0"
[ -x "$out/this/bin/python" ] || python3 -m venv "$out/this"
"$out/this/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2"
rm -rf "$out/wheels"
"$out/this/bin/maturin" build --release -m bindings/python/Cargo.toml -i "$out/this/bin/python" -o "$out/wheels"
"$out/this/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$out"/wheels/axme-*.whl

. bindings/python/bench/server.sh
start_bench_server
trap stop_bench_server EXIT

{
  echo "# python SDK benchmark at $(date -u +%Y-%m-%dT%H:%M:%SZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$out/public/bin/python" bindings/python/bench/bench.py --base-url "$url" "$@"
  "$out/this/bin/python" bindings/python/bench/bench.py --base-url "$url" "$@"
} | tee "$out/report.txt"
"$out/this/bin/python" - "$out/report.txt" <<'PY'
import json, sys
public, this = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ratio = this["get_intent_per_second"] / public["get_intent_per_second"]
print(f"get_intent: {ratio:.2f}x the public package (target >= 2x)")
print(f"wake-up p50: {this['wakeup_ms_p50']} ms (target <= 5 ms); public: {public['wakeup_ms_p50']} ms")
PY
