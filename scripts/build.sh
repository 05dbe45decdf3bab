#!/usr/bin/env bash
# The one debug build that the tutorial and the tests share: the same flags for both, so
# switching between scripts/tutorial.sh and scripts/test.sh rebuilds nothing (`--build-tests`
# compiles every module with testing enabled, which a plain `swift build` does not).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error "$@"
