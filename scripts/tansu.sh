#!/usr/bin/env bash
# Starts or stops an independent Kafka-protocol broker (tansu, memory storage) on a free loopback port.
#   scripts/tansu.sh start   -> prints 127.0.0.1:PORT, writes .tools/tansu.addr and .tools/tansu.pid
#   scripts/tansu.sh stop
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
case "${1:-}" in
  start)
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    addr="127.0.0.1:$port"
    "$tools/bin/tansu" broker --listener-url "tcp://$addr" --advertised-listener-url "tcp://$addr" \
      >"$tools/tansu.log" 2>&1 &
    echo $! >"$tools/tansu.pid"
    for _ in $(seq 1 100); do
      if python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
        echo "$addr" >"$tools/tansu.addr"; echo "$addr"; exit 0
      fi
      kill -0 "$(cat "$tools/tansu.pid")" 2>/dev/null || { cat "$tools/tansu.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "tansu did not start listening on $addr" >&2; exit 1 ;;
  stop)
    if [ -f "$tools/tansu.pid" ]; then kill "$(cat "$tools/tansu.pid")" 2>/dev/null || true; rm -f "$tools/tansu.pid" "$tools/tansu.addr"; fi ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
