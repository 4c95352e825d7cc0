#!/usr/bin/env bash
# This package against an earlier commit of itself (default: d581748, the last before the waist), in
# the same run: a release wheel of each in its own virtualenv, one release reference server, then
# ROUNDS rounds of bench.py alternating which goes first (before/after, after/before, ...), and the
# median of each side.
# Usage: bash bindings/python/bench/before_after.sh [REF] [ROUNDS] [bench.py args...]
# Report: target/py-bench/before-after.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
ref=${1:-d581748}
rounds=${2:-5}
shift $(($# < 2 ? $# : 2))
out=target/py-bench
mkdir -p "$out"

build_wheel() { # <source dir> <venv> <cargo target dir>
  [ -x "$2/bin/python" ] || python3 -m venv "$2"
  "$2/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2"
  rm -rf "$2-wheels"
  CARGO_TARGET_DIR="$3" "$2/bin/maturin" build --release -m "$1/bindings/python/Cargo.toml" \
    -i "$2/bin/python" -o "$2-wheels"
  "$2/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$2-wheels"/axme-*.whl
}

# The earlier commit is checked out beside the tree (never in it) and built with its own target dir.
src="$out/before-src"
git worktree remove --force "$src" 2>/dev/null || rm -rf "$src"
git worktree prune
git worktree add --detach "$src" "$ref" >/dev/null
trap 'git worktree remove --force "$src" 2>/dev/null || true' EXIT
build_wheel "$src" "$out/before" "$out/before-target"
build_wheel . "$out/after" target

. bindings/python/bench/server.sh
start_bench_server
trap 'stop_bench_server; git worktree remove --force "$src" 2>/dev/null || true' EXIT

{
  echo "# python before ($ref) / after ($(git rev-parse --short HEAD)) at $(date -u +%Y-%m-%dT%H:%M:%SZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for i in $(seq 1 "$rounds"); do
    # ABBA order: the server's state grows run by run, so neither side always goes first.
    order="before after"
    [ $((i % 2)) -eq 0 ] && order="after before"
    for side in $order; do
      printf '%s %s ' "$side" "$i"
      "$out/$side/bin/python" bindings/python/bench/bench.py --base-url "$url" "$@"
    done
  done
} | tee "$out/before-after.txt"
python3 - "$out/before-after.txt" <<'PY'
import json, statistics, sys
rows = {"before": [], "after": []}
for line in open(sys.argv[1]):
    side, _, rest = line.partition(" ")
    if side in rows:
        rows[side].append(json.loads(rest.split(" ", 1)[1]))
for key, unit in (("get_intent_per_second", "calls/s"), ("wakeup_ms_p50", "ms")):
    before = statistics.median(r[key] for r in rows["before"])
    after = statistics.median(r[key] for r in rows["after"])
    # Each round's own ratio too: the two sides of a round ran back to back, so load that drifts
    # across the run cancels out of it.
    ratios = [a[key] / b[key] for a, b in zip(rows["after"], rows["before"])]
    print(f"{key}: before {before:.1f} {unit}, after {after:.1f} {unit}, after/before {after / before:.3f}; "
          f"per-round after/before median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
PY
