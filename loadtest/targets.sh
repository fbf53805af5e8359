#!/usr/bin/env bash
# Measures every scale target of BENCHMARKS.md in one run, on this machine: the Go benchmarks of the
# dashboard's operations with the hand-written baseline, then the load tool against a server on
# loopback. The national data set is generated first if NATIONAL_DB does not exist (about a minute).
#
#	loadtest/targets.sh            # writes its figures to stdout
#	NATIONAL_DB=/tmp/national.db DURATION=20s loadtest/targets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export NATIONAL_DB="${NATIONAL_DB:-$PWD/national.db}"
duration="${DURATION:-10s}"
warmup="${WARMUP:-20s}"
addr=127.0.0.1:8091
bin="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$bin"' EXIT

go build -o "$bin/server" ./server
go build -C loadtest -o "$bin/loadtest" . # a module of its own
if [ ! -e "$NATIONAL_DB" ]; then
	"$bin/server" generate -db "$NATIONAL_DB"
fi

echo "== Go benchmarks: every dashboard operation, cold (no answer cache), the baseline, and through the cache"
go test ./httpapi -run '^$' -bench 'Dashboard|ComparisonRaw' -benchtime "${BENCHTIME:-2s}"

echo
echo "== load: server and load tool on the same two cores, over loopback"
"$bin/server" -db "$NATIONAL_DB" -rate-limit 0 -addr "$addr" >/dev/null &
server=$!
for _ in $(seq 50); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
load() { "$bin/loadtest" -url "http://$addr" -pid "$server" -duration "$duration" "$@"; echo; }
echo "-- the dashboard's mix from a cold start (empty answer cache)"
load -clients 32 -mix dashboard
echo "-- the dashboard's mix once readers have been at it for $warmup"
load -clients 32 -mix dashboard -warmup "$warmup"
echo "-- ProviderProfile only, 32 clients"
load -clients 32 -mix profile -warmup "$warmup"
echo "-- ProviderProfile only, every page alike (the worst case for the cache)"
load -clients 32 -mix profile -popularity uniform
echo "-- conditional GETs (304 Not Modified)"
load -clients 32 -mix conditional
echo "-- ComparisonTable for 2,000 providers and 6 metrics, ten periods"
load -clients 8 -mix comparison
