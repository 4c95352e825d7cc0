# Sourced by the benchmark scripts here: starts the release reference server (with --faults, so
# each run gets its own credential) on a free port in a fresh data dir and sets `server` (its pid),
# `data` (the dir) and `url`. The caller stops it: `stop_bench_server`.
start_bench_server() {
  cargo build --release -p axme-server --bin axme-server
  data="$(mktemp -d)"
  ./target/release/axme-server --data-dir "$data" --listen 127.0.0.1:0 --faults >"$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    [ -s "$data/server-addr" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$data/server.log"; return 1; }
    sleep 0.05
  done
  url="$(cat "$data/server-addr")"
}

stop_bench_server() {
  kill -TERM "$server" 2>/dev/null
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
