#!/usr/bin/env bash
# A generated model's cached find_one on a hit (Redis) against the same primary-key SELECT
# sent to MariaDB, same row, same process, alternating round by round; once with 32
# concurrent readers (throughput) and once with one (latency). Target: cache >= 2x database
# in both; prints PASS or FAIL for each and exits 1 when either falls short (2 when the
# benchmark could not run).
#
# Env: ROUNDS (5), SECONDS (5), MYSQL, REDIS; see src/main.rs.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=bench/model-cache/results
mkdir -p "$OUT"
cargo build --release -q -p bench-model-cache
status=0
summary=()
for tasks in 32 1; do
    echo "== $tasks concurrent reader(s)"
    # The binary's own verdict is its exit status: 0 PASS, 1 FAIL, anything else an error.
    code=0
    TASKS=$tasks target/release/bench-model-cache | tee "$OUT/tasks-$tasks.txt" || code=$?
    ratio=$(awk '/^ratio cache\/database:/ {print $3}' "$OUT/tasks-$tasks.txt")
    case $code in
        0) summary+=("PASS  $tasks reader(s): cache/database ${ratio} >= 2.00") ;;
        1)
            summary+=("FAIL  $tasks reader(s): cache/database ${ratio} < 2.00")
            if [ "$status" -eq 0 ]; then status=1; fi
            ;;
        *) summary+=("ERROR $tasks reader(s): the benchmark did not finish (exit $code)"); status=2 ;;
    esac
    echo
done
printf '%s\n' "${summary[@]}"
exit "$status"
