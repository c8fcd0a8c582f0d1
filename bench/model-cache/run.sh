#!/usr/bin/env bash
# A generated model's cached find_one on a hit (Redis) against the same primary-key SELECT
# sent to MariaDB, same row, same process, alternating round by round; once with 32
# concurrent readers (throughput) and once with one (latency). Target: cache >= 2x database.
#
# Env: ROUNDS (5), SECONDS (5), MYSQL, REDIS; see src/main.rs.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=bench/model-cache/results
mkdir -p "$OUT"
cargo build --release -q -p bench-model-cache
for tasks in 32 1; do
    echo "== $tasks concurrent reader(s)"
    TASKS=$tasks target/release/bench-model-cache | tee "$OUT/tasks-$tasks.txt"
    echo
done
