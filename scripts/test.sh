#!/usr/bin/env bash
# Runs every test: provisions, starts an independent tansu broker for the end-to-end suites,
# and runs `swift test` with librdkafka >= 2.2 on LD_LIBRARY_PATH (the mock cluster suites run too).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/provision.sh
scripts/build.sh
XSELL_TANSU_BOOTSTRAP="$(scripts/tansu.sh start)"
trap 'scripts/tansu.sh stop' EXIT
export XSELL_TANSU_BOOTSTRAP
export LD_LIBRARY_PATH="$root/.tools/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "test: tansu at $XSELL_TANSU_BOOTSTRAP, librdkafka from $root/.tools/lib" >&2
swift test --skip-build "$@"
