#!/usr/bin/env bash
# What `npm run bench` needs beyond the workspace: oha (built once from the Rust crate registry,
# a few minutes) and Portkey in its own folder.
set -euo pipefail
cd "$(dirname "$0")/.."
OHA_VERSION=1.16.0
if ! oha --version 2>/dev/null | grep -q "$OHA_VERSION"; then
  command -v cargo >/dev/null 2>&1 || { echo "bench: oha is built with cargo; install Rust (rustup) first" >&2; exit 1; }
  cargo install oha --locked --version "$OHA_VERSION"
fi
if [ ! -f bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js ]; then
  (cd bench/portkey && npm ci --no-audit --no-fund)
fi
