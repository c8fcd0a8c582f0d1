#!/usr/bin/env bash
# Regenerates every generated file of the community from its .api, .proto and .sql files,
# exactly as a user of rzctl would. CI runs it with --check and fails on any drift, so app/
# is always what rzctl produces plus the files rzctl created once and we wrote.
#
#   app/generate.sh            # rewrite what is stale
#   app/generate.sh --check    # write nothing; exit 1 when a generated file is stale
#   app/generate.sh --dry-run  # list what would change
#
# RZCTL names a built rzctl binary; by default it is built from this workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${RZCTL:-}" ]; then
    cargo build --locked -q -p rzctl
    RZCTL=target/debug/rzctl
fi
mode=("$@")

# Paths are relative to the repository root: rzctl writes them into the generated headers.
"$RZCTL" api fmt --check app/applet/applet.api
"$RZCTL" api gen --api app/applet/applet.api --dir app/applet --rzero-path rzero "${mode[@]}"
"$RZCTL" rpc gen app/user/user.proto --dir app/user --rzero-path rzero "${mode[@]}"
"$RZCTL" model mysql ddl --src app/user/user.sql --dir app/user/src/model --cache \
    --rzero-path rzero "${mode[@]}"
