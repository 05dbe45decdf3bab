#!/usr/bin/env bash
# Prints one digest of the contents of the files the xsell executable is built from (Sources/
# without the bench, and Package.swift). scripts/build.sh records it next to the build products;
# the subprocess tests compare it with the checkout's, to refuse a binary built from other sources.
set -euo pipefail
cd "$(dirname "$0")/.."
find Sources Package.swift -type f -not -path 'Sources/xsell-bench/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum \
  | sha256sum | cut -d' ' -f1
