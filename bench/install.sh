#!/usr/bin/env bash
# What `npm run bench` needs beyond the workspace: wrk (Debian) and Portkey in its own folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ ! -f bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js ]; then
  (cd bench/portkey && npm ci --no-audit --no-fund)
fi
