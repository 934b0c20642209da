#!/usr/bin/env bash
# Load figure for the producers' and consumers' hot path: GET /schemas/ids/{id}.
#
# Builds stele-registry in release mode (skip with STELE_BIN=/path/to/stele-registry), starts
# it on a free loopback port over a temporary data directory, registers 1,000 distinct Avro
# schemas, runs wrk against GET /schemas/ids/{id} with ids picked at random among those 1,000,
# prints requests/s and the p50/p99 latencies, and stops the server.
#
# Needs: curl, python3 (to pick a free port), wrk (`apt-get install -y wrk`).
# Knobs: THREADS (2), CONNECTIONS (50), DURATION (10s), SCHEMAS (1000).
# Traffic goes to 127.0.0.1 only; every loop is bounded.
set -euo pipefail

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10s}
SCHEMAS=${SCHEMAS:-1000}

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in curl python3 wrk; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 2; }
done

if [[ -z "${STELE_BIN:-}" ]]; then
  (cd "$root" && cargo build --release --quiet -p stele-registry)
  STELE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/stele-registry"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
STELE_LOG=warn "$STELE_BIN" --listen "127.0.0.1:$port" --data-dir "$work/data" &
server_pid=$!

for _ in $(seq 1 300); do
  curl -fsS "$base/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/" >/dev/null || { echo "error: the registry did not start" >&2; exit 1; }

echo "registering $SCHEMAS schemas..." >&2
max_id=0
for i in $(seq 1 "$SCHEMAS"); do
  schema="{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Event$i\\\",\\\"namespace\\\":\\\"bench\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\",\\\"type\\\":\\\"long\\\"},{\\\"name\\\":\\\"payload\\\",\\\"type\\\":\\\"string\\\",\\\"default\\\":\\\"\\\"}]}"
  answer=$(curl -fsS -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data "{\"schema\":\"$schema\"}" "$base/subjects/bench-$i-value/versions")
  id=${answer//[^0-9]/}
  (( id > max_id )) && max_id=$id
done
[[ "$max_id" == "$SCHEMAS" ]] || { echo "error: expected ids 1..$SCHEMAS, highest is $max_id" >&2; exit 1; }

cat > "$work/ids.lua" <<LUA
-- Each request reads one of the $SCHEMAS registered ids, uniformly at random.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/schemas/ids/" .. math.random(1, $SCHEMAS))
end
LUA

# A short warm-up fills the registry's id cache, so the figure is the steady state.
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$work/ids.lua" "$base" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/ids.lua" "$base" | tee "$work/wrk.txt"

rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.txt")
echo
echo "GET /schemas/ids/{id} over $SCHEMAS ids, wrk -t$THREADS -c$CONNECTIONS -d$DURATION:"
echo "  requests/s: $rps   p50: $p50   p99: $p99   non-2xx: ${errors:-0}"
