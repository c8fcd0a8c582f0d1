#!/usr/bin/env bash
# Requests/s of one JSON handler behind bare axum and behind rzero's default chain, on
# loopback, alternating the servers round by round so that drift of the machine hits both.
# Prints every run, the medians and the ratio rzero/bare (target >= 0.90).
#
# Env: ROUNDS (5), DURATION (10s), CONNS (64), PORT (18080).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
PORT=${PORT:-18080}
OUT=bench/rest-overhead/results
mkdir -p "$OUT"

if ! command -v wrk >/dev/null; then
    apt-get install -y wrk >/dev/null
fi
cargo build --release -q -p bench-rest-overhead
BIN=target/release/bench-rest-overhead

# Two cores: the server gets one, the load generator the other.
pin_server="taskset -c 0"
pin_load="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then
    pin_server=""
    pin_load=""
fi

run_one() {
    local mode=$1
    $pin_server "$BIN" "$mode" "$PORT" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break
        sleep 0.1
    done
    $pin_load wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT/hello" >/dev/null
    local rps
    rps=$($pin_load wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/hello" | awk '/Requests\/sec/ {print $2}')
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$rps"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

modes=(bare rzero rzero-quiet)
: >"$OUT/runs.tsv"
for round in $(seq "$ROUNDS"); do
    for mode in "${modes[@]}"; do
        rps=$(run_one "$mode")
        printf '%s\t%s\t%s\n' "$round" "$mode" "$rps" | tee -a "$OUT/runs.tsv"
    done
done

bare=$(awk '$2 == "bare" {print $3}' "$OUT/runs.tsv" | median)
echo
printf 'median requests/s  bare axum: %s\n' "$bare"
for mode in rzero rzero-quiet; do
    m=$(awk -v m="$mode" '$2 == m {print $3}' "$OUT/runs.tsv" | median)
    printf 'median requests/s  %-11s %s  ratio %.3f\n' "$mode:" "$m" "$(echo "$m / $bare" | bc -l)"
done
