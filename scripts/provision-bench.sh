#!/usr/bin/env bash
# Bench-only tooling for `xsell-bench quality` (docs/benchmarks-quality.md); the main job's
# scripts/provision.sh does not install any of this. Idempotent and quick when done.
#   - .tools/bench-venv: causalml 0.18 (T-/X-learners), lightgbm, scikit-learn, pandas
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import causalml, lightgbm, sklearn, pandas' 2>/dev/null; then
  echo "provision-bench: pip install causalml==0.18.* lightgbm scikit-learn pandas" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "causalml==0.18.*" lightgbm scikit-learn pandas
fi
echo "provision-bench: ok ($("$venv/bin/python" -c 'import importlib.metadata as m, lightgbm, sklearn; print("causalml", m.version("causalml"), "lightgbm", lightgbm.__version__, "scikit-learn", sklearn.__version__)'))" >&2
