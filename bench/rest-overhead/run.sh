#!/usr/bin/env bash
# Requests/s and server CPU time per request of one JSON handler behind bare axum and behind
# rzero's default chain, on loopback, alternating the servers round by round so that drift of
# the machine hits all of them. Prints every run, the medians and the ratios (target >= 0.90).
#
# The machines this runs on share their host, and single runs swing by +-15 %: many short
# rounds with a median over them beat a few long ones.
#
# Env: ROUNDS (21), DURATION (4s), CONNS (64), PORT (18080), TARGET (0.90).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-21}
DURATION=${DURATION:-4s}
TARGET=${TARGET:-0.90}
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

# The server's CPU time (user + system, in clock ticks) from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# Prints "requests/s cpu-microseconds-per-request" for one run of one server.
run_one() {
    local mode=$1
    $pin_server "$BIN" "$mode" "$PORT" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break
        sleep 0.1
    done
    $pin_load wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT/hello" >/dev/null
    local before after out
    before=$(cpu_ticks "$pid")
    out=$($pin_load wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/hello")
    after=$(cpu_ticks "$pid")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$out" | awk -v b="$before" -v a="$after" -v tick="$TICK" '
        /Requests\/sec/ {rps = $2}
        /requests in/ {n = $1}
        END {printf "%s %.2f\n", rps, (a - b) * 1e6 / tick / n}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

modes=(bare rzero rzero-quiet)
printf 'round\tserver\trequests/s\tcpu_us/request\n' | tee "$OUT/runs.tsv"
for round in $(seq "$ROUNDS"); do
    for mode in "${modes[@]}"; do
        read -r rps cpu < <(run_one "$mode")
        printf '%s\t%s\t%s\t%s\n' "$round" "$mode" "$rps" "$cpu" | tee -a "$OUT/runs.tsv"
    done
done

col() { awk -v m="$1" -v c="$2" -F'\t' '$2 == m {print $c}' "$OUT/runs.tsv" | median; }
# The ratio of each round against the bare run of the same round, for the paired median.
paired() {
    awk -v m="$1" -F'\t' 'NR > 1 {v[$1, $2] = $3; n = $1}
        END {for (i = 1; i <= n; i++) if (v[i, "bare"] > 0) print v[i, m] / v[i, "bare"]}' \
        "$OUT/runs.tsv" | median
}
bare_rps=$(col bare 3)
bare_cpu=$(col bare 4)
echo
printf '%-12s %14s %18s %12s %10s %13s\n' server 'median req/s' 'median cpu us/req' 'req/s ratio' 'cpu ratio' 'paired ratio'
printf '%-12s %14s %18s %12s %10s %13s\n' bare "$bare_rps" "$bare_cpu" 1.000 1.000 1.000
for mode in rzero rzero-quiet; do
    rps=$(col "$mode" 3)
    cpu=$(col "$mode" 4)
    printf '%-12s %14s %18s %12.3f %10.3f %13.3f\n' "$mode" "$rps" "$cpu" \
        "$(echo "$rps / $bare_rps" | bc -l)" "$(echo "$bare_cpu / $cpu" | bc -l)" "$(paired "$mode")"
done
echo
echo "req/s ratio: the median of rzero's throughput over the median of bare axum's."
echo "cpu ratio: bare axum's CPU time per request over rzero's; steadier when the machine is busy."
echo "paired ratio: the median of each round's rzero over the same round's bare axum."
echo
ratio=$(echo "$(col rzero 3) / $bare_rps" | bc -l)
if [ "$(echo "$ratio >= $TARGET" | bc -l)" -eq 1 ]; then
    printf 'PASS: rzero'"'"'s default chain serves %.3f of bare axum'"'"'s requests/s (target >= %s)\n' "$ratio" "$TARGET"
else
    printf 'FAIL: rzero'"'"'s default chain serves %.3f of bare axum'"'"'s requests/s, below the target %s\n' "$ratio" "$TARGET"
    exit 1
fi
