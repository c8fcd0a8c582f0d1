#!/usr/bin/env bash
# The community in the distributed mode on one machine: the gateway and two user.rpc
# instances as separate processes, on MariaDB, Redis and etcd, each started by the
# `community` launcher from its own config file (app/<service>/etc/<service>.yaml).
#
#   app/run-distributed.sh          # Ctrl-C stops everything it started
#
# MariaDB (127.0.0.1:3306, root) and Redis (127.0.0.1:6379) must be running; etcd is started
# on 127.0.0.1:2379 when nothing answers there (Debian: apt-get install etcd-server).
# Env: MYSQL_URL (mysql://root@127.0.0.1:3306), REDIS_URL, ETCD_ENDPOINT, APPLET_PORT (8888),
# USER_PORTS ("9001 9002"), RUN_DIR (target/community-distributed).
set -euo pipefail
cd "$(dirname "$0")/.."

MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export ETCD_ENDPOINT=${ETCD_ENDPOINT:-127.0.0.1:2379}
export USER_DB_DSN=${USER_DB_DSN:-$MYSQL_URL/community}
APPLET_PORT=${APPLET_PORT:-8888}
USER_PORTS=${USER_PORTS:-"9001 9002"}
RUN_DIR=${RUN_DIR:-target/community-distributed}
mkdir -p "$RUN_DIR"

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; trap - EXIT; exit 0' INT TERM

cargo build -q -p community
bin=target/debug/community

# etcd: use the one running, else start one with its data under RUN_DIR.
if ! curl -fs "http://$ETCD_ENDPOINT/health" >/dev/null 2>&1; then
    command -v etcd >/dev/null || { echo "etcd is not installed (apt-get install etcd-server)" >&2; exit 1; }
    etcd --name community --data-dir "$RUN_DIR/etcd" \
        --listen-client-urls "http://$ETCD_ENDPOINT" --advertise-client-urls "http://$ETCD_ENDPOINT" \
        --listen-peer-urls http://127.0.0.1:2380 --log-level warn >"$RUN_DIR/etcd.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do curl -fs "http://$ETCD_ENDPOINT/health" >/dev/null 2>&1 && break; sleep 0.2; done
fi

# The database the user service migrates on start (the schema itself is its migrations).
db=${USER_DB_DSN##*/}
mysql_host=${MYSQL_URL#mysql://}; mysql_host=${mysql_host#*@}
mysql -uroot -h"${mysql_host%:*}" -P"${mysql_host##*:}" -e "CREATE DATABASE IF NOT EXISTS \`$db\`"

for port in $USER_PORTS; do
    USER__RPC__LISTEN_ON=127.0.0.1:$port "$bin" user >"$RUN_DIR/user-$port.log" 2>&1 &
    pids+=($!)
done
APPLET__REST__PORT=$APPLET_PORT APPLET__SMS__OUTBOX="$RUN_DIR/sms-outbox.txt" \
    "$bin" applet >"$RUN_DIR/applet.log" 2>&1 &
pids+=($!)

for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$APPLET_PORT/v1/user/info" && break
    sleep 0.2
done
cat <<INFO
The community is up (distributed: MariaDB $USER_DB_DSN, Redis $REDIS_URL, etcd $ETCD_ENDPOINT).
  HTTP API  http://127.0.0.1:$APPLET_PORT/v1   (applet-api, log: $RUN_DIR/applet.log)
  user.rpc  $(for p in $USER_PORTS; do printf '127.0.0.1:%s ' "$p"; done)(registered under user.rpc in etcd)
  SMS codes are logged and written to $RUN_DIR/sms-outbox.txt
Ctrl-C stops everything started here.
INFO
wait -n "${pids[@]}" || true
echo "a process stopped; see the logs in $RUN_DIR" >&2
