#!/usr/bin/env bash
# describe_regions.sh — requests/second of v1-signed GET DescribeRegions against `ecsd dev`.
#
# Usage: bench/describe_regions.sh [seconds=10] [connections=32]
#   ECSD_BIN=path/to/ecsd (default build/bin/ecsd), USE_NODE=1 forces the Node load generator.
#
# With `wrk` installed (apt package wrk): pre-signs URLs with distinct nonces (bench/presign.js),
# starts ecsd, and replays them with wrk -s bench/presigned.lua; prints wrk's report.
# Without wrk: runs bench/rps.js (Node keep-alive load generator, pre-signed URLs) instead.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SECS="${1:-10}"
CONNS="${2:-32}"
export ECSD_BIN="${ECSD_BIN:-$ROOT/build/bin/ecsd}"
export OPENECS_ACCESS_KEY_ID="${OPENECS_ACCESS_KEY_ID:-testAK}"
export OPENECS_ACCESS_KEY_SECRET="${OPENECS_ACCESS_KEY_SECRET:-testSecret}"

if ! command -v wrk >/dev/null 2>&1 || [ "${USE_NODE:-0}" = "1" ]; then
  echo "# wrk not used; running bench/rps.js"
  exec node "$HERE/rps.js" --connections "$CONNS" --requests "${REQUESTS:-100000}"
fi

THREADS="${WRK_THREADS:-2}"
COUNT="${PRESIGN_COUNT:-$((SECS * 45000))}"
TMP="$(mktemp -d /tmp/openecs-bench-XXXXXX)"
ECSD_PID=""
cleanup() {
  if [ -n "$ECSD_PID" ]; then kill "$ECSD_PID" 2>/dev/null || true; wait "$ECSD_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$TMP/data"
"$ECSD_BIN" dev --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" --driver fake --region local \
  --fake-delay-ms 50 >"$TMP/ecsd.log" 2>&1 &
ECSD_PID=$!
for _ in $(seq 1 200); do
  grep -q "listening on" "$TMP/ecsd.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on" "$TMP/ecsd.log" || { echo "ecsd did not start:"; cat "$TMP/ecsd.log"; exit 1; }

echo "# pre-signing $COUNT URLs"
node "$HERE/presign.js" --count "$((COUNT + 1))" --out "$TMP/all.txt"
head -n "$COUNT" "$TMP/all.txt" >"$TMP/paths.txt"
# One answer, for its size: the bare server answers with a body as large.
BYTES="$(curl -s "http://127.0.0.1:$PORT$(tail -n 1 "$TMP/all.txt")" | wc -c)"

# wrk's report (printed, and kept in $3).
run_wrk() {
  PRESIGNED_FILE="$1" WRK_THREADS="$THREADS" \
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$HERE/presigned.lua" "http://127.0.0.1:$2" >"$3"
  cat "$3"
}
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
echo "# wrk -t$THREADS -c$CONNS -d${SECS}s against ecsd pid $ECSD_PID on 127.0.0.1:$PORT (answer $BYTES bytes)"
run_wrk "$TMP/paths.txt" "$PORT" "$TMP/ecsd.wrk"
ECSD_RPS="$(rps "$TMP/ecsd.wrk")"
echo "# ecsd $(grep VmRSS /proc/$ECSD_PID/status)"
kill "$ECSD_PID"; wait "$ECSD_PID" 2>/dev/null || true; ECSD_PID=""

# The yardstick: a bare Boost.Beast server (bench/bare_http.cc) with as many I/O threads as
# ecsd's default, answering every request with a fixed body of the same size.
BARE_BIN="${BARE_BIN:-$(dirname "$ECSD_BIN")/bare_http}"
"$BARE_BIN" --listen 127.0.0.1:0 --threads 2 --body-bytes "$BYTES" >"$TMP/bare.log" 2>&1 &
ECSD_PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$TMP/bare.log" 2>/dev/null && break; sleep 0.1; done
BARE_PORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/bare.log")"
echo "# wrk against the bare Beast server $BARE_BIN on 127.0.0.1:$BARE_PORT"
run_wrk "$TMP/paths.txt" "$BARE_PORT" "$TMP/bare.wrk"
BARE_RPS="$(rps "$TMP/bare.wrk")"
echo
echo "signed DescribeRegions (ecsd):  $ECSD_RPS requests/s"
echo "bare Beast, same body size:     $BARE_RPS requests/s"
awk -v a="$ECSD_RPS" -v b="$BARE_RPS" 'BEGIN { if (b > 0) printf "ecsd / bare:                    %.1f %%\n", 100 * a / b }'
