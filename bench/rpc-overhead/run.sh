#!/usr/bin/env bash
# Calls/s and server CPU time per call of one unary gRPC method (greeter's SayHello), served
# and called with bare tonic and with rzero's server and client (every interceptor on, the
# p2c-EWMA balancer picking the connection), on loopback, alternating the two sides round by
# round so that drift of the machine hits both. Prints every run, the medians and the ratios
# (target >= 0.85). The load generator is the same Rust binary for both sides. Ends with
# PASS or FAIL against the target, and exits 1 on FAIL.
#
# Env: ROUNDS (5), SECONDS_PER_RUN (10), CALLERS (64), PORT (18090), TARGET (0.85).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CALLERS=${CALLERS:-64}
PORT=${PORT:-18090}
TARGET=${TARGET:-0.85}
OUT=bench/rpc-overhead/results
mkdir -p "$OUT"

cargo build --release -q -p bench-rpc-overhead
BIN=${CARGO_TARGET_DIR:-target}/release/bench-rpc-overhead

# Two cores: the server gets one, the load generator the other.
pin_server="taskset -c 0"
pin_load="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then
    pin_server=""
    pin_load=""
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# Prints "calls/s server-cpu-us-per-call client-cpu-us-per-call" for one run of one side.
run_one() {
    local side=$1
    $pin_server "$BIN" serve "$side" "$PORT" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.1
    done
    $pin_load "$BIN" load "$side" "127.0.0.1:$PORT" 2 "$CALLERS" >/dev/null
    local before after out
    before=$(cpu_ticks "$pid")
    out=$($pin_load "$BIN" load "$side" "127.0.0.1:$PORT" "$SECONDS_PER_RUN" "$CALLERS")
    after=$(cpu_ticks "$pid")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$out" | awk -v b="$before" -v a="$after" -v tick="$TICK" \
        '{printf "%s %.2f %.2f\n", $2, (a - b) * 1e6 / tick / $1, $3 * 1e6 / tick / $1}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

sides=(bare rzero)
printf 'round\tside\tcalls/s\tserver_cpu_us/call\tclient_cpu_us/call\n' | tee "$OUT/runs.tsv"
for round in $(seq "$ROUNDS"); do
    for side in "${sides[@]}"; do
        read -r rps cpu client < <(run_one "$side")
        printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$rps" "$cpu" "$client" | tee -a "$OUT/runs.tsv"
    done
done

col() { awk -v m="$1" -v c="$2" -F'\t' '$2 == m {print $c}' "$OUT/runs.tsv" | median; }
bare_rps=$(col bare 3)
bare_cpu=$(col bare 4)
bare_client=$(col bare 5)
rps=$(col rzero 3)
cpu=$(col rzero 4)
client=$(col rzero 5)
echo
printf '%-6s %10s %13s %13s %8s %10s %10s\n' side 'calls/s' 'server us/call' 'client us/call' 'ratio' 'srv cpu' 'cli cpu'
printf '%-6s %10s %13s %13s %8s %10s %10s\n' bare "$bare_rps" "$bare_cpu" "$bare_client" 1.000 1.000 1.000
ratio=$(echo "$rps / $bare_rps" | bc -l)
printf '%-6s %10s %13s %13s %8.3f %10.3f %10.3f\n' rzero "$rps" "$cpu" "$client" \
    "$ratio" "$(echo "$bare_cpu / $cpu" | bc -l)" "$(echo "$bare_client / $client" | bc -l)"
echo
echo "Medians. ratio: rzero's calls/s over bare tonic's (target >= $TARGET)."
echo "srv cpu, cli cpu: bare tonic's CPU time per call over rzero's, server and load generator;"
echo "steadier than calls/s when another process competes for the cores."
echo
if [ "$(echo "$ratio >= $TARGET" | bc -l)" -eq 1 ]; then
    printf 'PASS: rzero makes %.3f of bare tonic'"'"'s calls/s (target >= %s)\n' "$ratio" "$TARGET"
else
    printf 'FAIL: rzero makes %.3f of bare tonic'"'"'s calls/s, below the target %s\n' "$ratio" "$TARGET"
    exit 1
fi
