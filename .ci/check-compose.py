"""Validates docker-compose.yml against the Compose Specification's JSON schema (Docker
cannot run here), plus what the schema cannot say: one image for every xsell service, built
once; a data volume for Kafka; a /readyz healthcheck on every long-running xsell service.

The schema is .ci/compose-spec.json, the compose_spec.json shipped in the docker-compose
1.29.2 wheel on PyPI (compose/config/compose_spec.json)."""
import json
import sys

import jsonschema
import yaml

compose = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
schema = json.load(open(sys.argv[2], encoding="utf-8"))
errors = sorted(jsonschema.Draft201909Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
for error in errors:
    print(f"{sys.argv[1]}: {'/'.join(map(str, error.path)) or '(top)'}: {error.message}")

services = compose["services"]
xsell = {name: s for name, s in services.items() if s.get("image") == "xsell:local"}
problems = []
others = sorted(name for name in services if name != "kafka" and name not in xsell)
if others or not {"topics", "ingest", "serve"} <= set(xsell):
    problems.append(f"every xsell service (topics, ingest, serve, replicas) uses one image xsell:local; found {sorted(xsell)}, not {others}")
if [name for name, s in xsell.items() if "build" in s] != ["topics"]:
    problems.append("exactly one service builds the xsell image")
if not any(v.startswith("kafka-data:") for v in services["kafka"].get("volumes", [])):
    problems.append("kafka has no data volume")
for name in sorted(set(xsell) - {"topics"}):  # the long-running roles: ingest, serve, replicas
    test = " ".join(xsell.get(name, {}).get("healthcheck", {}).get("test", []))
    if "/readyz" not in test:
        problems.append(f"{name} has no healthcheck on /readyz")
    if "0.0.0.0:9464" not in xsell.get(name, {}).get("command", []):
        problems.append(f"{name} does not serve /readyz beyond loopback")
for problem in problems:
    print(f"{sys.argv[1]}: {problem}")
if errors or problems:
    sys.exit(1)
print(f"ci: {sys.argv[1]} is valid against the Compose Specification schema")
