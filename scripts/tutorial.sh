#!/usr/bin/env bash
# The main job: the seed cross-sell tutorial end to end on the embedded broker.
#  1. set-up and build; 2. `xsell run` with no bootstrap servers starts the embedded Kafka-protocol
#  broker, creates the topics, and runs ingest + projection + scoring worker; 3. publish the
#  tutorial's customers; 4. ask for cust_42 on in_app, then the same with explain.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/provision.sh
scripts/build.sh
xsell="$(swift build --build-tests --show-bin-path)/xsell"

work="$(mktemp -d -t xsell-tutorial.XXXXXX)"
# Port 0: any free port for /metrics, /healthz and /readyz (the default is 127.0.0.1:9464).
"$xsell" run --data-dir "$work/data" --metrics-listen 127.0.0.1:0 >"$work/run.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT

# Wait for the worker to announce readiness (it prints the broker address first).
while ! grep -q '^xsell ready' "$work/run.log"; do
  kill -0 $pid 2>/dev/null || { cat "$work/run.log"; echo "xsell run exited early" >&2; exit 1; }
  read -r -t 0.2 <> <(:) || true
done
bootstrap="$(sed -n 's/^bootstrap.servers=//p' "$work/run.log" | head -n 1)"
# GET a URL: curl where there is one, else the provisioned Python.
get() {
  if command -v curl >/dev/null; then curl -s "$1"; else
    .tools/venv/bin/python -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"
  fi
}
metrics="$(sed -n 's/^metrics.listen=//p' "$work/run.log" | head -n 1)"
echo "== xsell run is up; embedded broker at $bootstrap; metrics and health at http://$metrics"
echo "== GET /readyz: $(get "http://$metrics/readyz")"

echo "== publishing the tutorial's customers"
"$xsell" publish customer.profile.v1 topics/examples/tutorial-customers.jsonl \
  --bootstrap-servers "$bootstrap" --await-ingest --data-dir "$work/data"

echo "== recommend: cust_42 on in_app"
"$xsell" recommend --customer cust_42 --channel in_app --bootstrap-servers "$bootstrap"

echo "== recommend: cust_42 on in_app, explained"
"$xsell" recommend --customer cust_42 --channel in_app --explain --bootstrap-servers "$bootstrap"

echo "== a few of its metrics (GET /metrics)"
get "http://$metrics/metrics" | grep -E '^xsell_(events_ingested_total|requests_total\{outcome="decided"\}|decision_seconds_count)'
