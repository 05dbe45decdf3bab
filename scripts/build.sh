#!/usr/bin/env bash
# The one debug build that the tutorial and the tests share: the same flags for both, so
# switching between scripts/tutorial.sh and scripts/test.sh rebuilds nothing (`--build-tests`
# compiles every module with testing enabled, which a plain `swift build` does not).
# On success it records the digest of the sources built (scripts/source-digest.sh) in
# .build/xsell-sources.digest, which the subprocess tests check.
set -euo pipefail
cd "$(dirname "$0")/.."
digest="$(scripts/source-digest.sh)"
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error "$@"
echo "$digest" > .build/xsell-sources.digest
