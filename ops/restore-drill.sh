#!/usr/bin/env bash
# The restore drill: what a lost writer costs, and how a mistaken import is undone.
#
#   ops/restore-drill.sh                 # everything in a temporary folder, the replica a folder too
#   REPLICA_URL=s3://… ops/restore-drill.sh   # the replica in an object store of your own (a test bucket!)
#
# It runs a writer as README.md's "Several machines" says (the server with a heartbeat, and Litestream
# with ops/litestream-writer.yml), publishes figures through the API one by one, makes a mistaken import,
# and then, in the middle of a large import, kills the writer's machine: every process with SIGKILL,
# and its data directory deleted. A new writer is restored from the replica, and the drill prints what
# was lost: at most the writes acknowledged within the last sync interval (1 s) before the end, never
# part of an import, and SQLite's integrity check. The new writer serves and replicates again. Last, a
# point-in-time restore to just before the mistaken import shows it undone. It ends with
# "RESULT: ok", or "RESULT: FAILED" and exit status 1. Needs Go, curl and litestream
# (.ci/install-litestream); takes about half a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
config="$repo/ops/litestream-writer.yml"
work=$(mktemp -d "${TMPDIR:-/tmp}/restore-drill.XXXXXX")
pids=()
# Background processes are disowned, so that the shell does not report the kills; gone waits for them.
gone() { for pid in "$@"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; done; }
cleanup() {
	for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
	gone "${pids[@]}"
	[ -n "${KEEP_DRILL:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
failed=0
fail() { echo "FAILED: $*"; failed=1; }
say() { printf '%s  %s\n' "$(date -u +%H:%M:%S.%3N)" "$*"; }

command -v litestream >/dev/null || { echo "restore-drill: litestream is not installed; .ci/install-litestream builds it" >&2; exit 2; }
go build -o "$work/server" ./server
server="$work/server"
export REPLICA_URL=${REPLICA_URL:-file://$work/object-store}
sync_interval=1 # seconds, as in ops/litestream-writer.yml

# A machine is a folder: data/ dies with it, logs/ is the drill's.
machine() { mkdir -p "$work/$1/data" "$work/$1/logs"; }
# serve MACHINE [flags]: starts a server on the machine and sets $url to where it listens.
serve() {
	local m=$1
	shift
	"$server" -db "$work/$m/data/jamforelse.db" -addr 127.0.0.1:0 "$@" >>"$work/$m/logs/server.log" 2>&1 &
	server_pid=$!
	pids+=($!) && disown $!
	url=""
	for _ in $(seq 300); do
		url=$(grep -o '"msg":"listening","addr":"[^"]*"' "$work/$m/logs/server.log" 2>/dev/null | tail -1 | cut -d'"' -f8 || true)
		[ -n "$url" ] && curl -fs "$url/healthz" >/dev/null && return
		sleep 0.1
	done
	echo "the server on $m did not start:" >&2
	cat "$work/$m/logs/server.log" >&2
	exit 1
}
replicate() { # replicate MACHINE: Litestream streams the machine's database to the replica
	DB_PATH="$work/$1/data/jamforelse.db" litestream replicate -config "$config" >>"$work/$1/logs/litestream.log" 2>&1 &
	litestream_pid=$!
	pids+=($!) && disown $!
}
graphql() { # graphql URL QUERY [TOKEN]
	curl -fs "$1/graphql" -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
		-d "$(printf '{"query":%s}' "$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')")"
}
count() { graphql "$1" '{ observations(first: 1) { totalCount } }' | grep -o '"totalCount":[0-9]*' | cut -d: -f2; }
figure() { echo "Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/$1"; }
publish() { # publish URL TOKEN PERIOD: one figure through the API; prints nothing unless it fails
	graphql "$1" "mutation { importObservations(input: {observations: [{metric: \"Metric:sfi-pass-rate\", provider: \"Provider:sundbyberg-vuxenutbildning\", municipality: \"0183\", period: \"$3\", value: 66.6, sampleSize: 40, source: \"Source:illustrative-results\"}]}) { added } }" "$2" | grep -q '"added":1'
}
csv_header="metric,provider,municipality,period,value,value_women,value_men,sample_size,sample_size_women,sample_size_men,status,note,source"
# figures FIRST_YEAR YEARS: municipality-wide monthly figures of five metrics in ten municipalities.
figures() {
	echo "$csv_header"
	for metric in sfi-pass-rate sfi-dropout-rate basic-pass-rate basic-dropout-rate upper-secondary-pass-rate; do
		for municipality in 0114 0117 0126 0127 0128 0160 0163 0181 0182 0183; do
			awk -v m="$metric" -v k="$municipality" -v first="$1" -v years="$2" 'BEGIN {
				for (y = first; y < first + years; y++) for (mo = 1; mo <= 12; mo++)
					printf "%s,,%s,%d-%02d,%.1f,,,100,,,PRELIMINARY,restore drill,illustrative-results\n", m, k, y, mo, (y * 7 + mo * 13) % 50 }'
		done
	done
}

echo "== restore drill: replica at $REPLICA_URL, sync interval ${sync_interval} s"
machine writer-1
token=$("$server" token create -db "$work/writer-1/data/jamforelse.db" -name drill -role editor | tail -1)
serve writer-1 -heartbeat 1s
writer=$url
replicate writer-1
say "writer-1 serves at $writer and replicates"

for i in $(seq 1 10); do
	publish "$writer" "$token" "$((2040 + i))"
	sleep 0.2
done
say "published 10 figures, one at a time"
sleep $((2 * sync_interval + 1))
before_mistake=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
count_before_mistake=$(count "$writer")
say "before the mistake: $count_before_mistake figures ($before_mistake)"
sleep 1
figures 2099 1 >"$work/mistake.csv" # 600 figures for a year that has not come
"$server" import -db "$work/writer-1/data/jamforelse.db" -reason "the wrong year" "$work/mistake.csv" | tail -1
say "the mistaken import is committed: $(count "$writer") figures"

acked=()
acked_at=()
for i in $(seq 1 20); do
	period=$((2060 + i))
	publish "$writer" "$token" "$period"
	acked+=("$period")
	acked_at+=("$(date +%s.%N)")
	sleep 0.1
done
count_acked=$(count "$writer")
say "published 20 more figures, each acknowledged by the writer: $count_acked figures"

figures 2100 100 >"$work/large.csv" # 60,000 figures
"$server" import -db "$work/writer-1/data/jamforelse.db" -reason "a large import" "$work/large.csv" >"$work/writer-1/logs/import.log" 2>&1 &
import_pid=$!
pids+=($!) && disown $!
until grep -q "rows written, not yet committed" "$work/writer-1/logs/import.log"; do
	kill -0 "$import_pid" 2>/dev/null || { cat "$work/writer-1/logs/import.log"; fail "the large import ended before the writer's machine died"; break; }
	sleep 0.05
done
say "the large import is under way: $(tail -1 "$work/writer-1/logs/import.log")"
kill -9 "$server_pid" "$litestream_pid" "$import_pid"
killed_at=$(date +%s.%N)
gone "$server_pid" "$litestream_pid" "$import_pid"
rm -rf "$work/writer-1/data"
say "writer-1 is dead: server, Litestream and the import killed with SIGKILL, its data directory deleted"

echo
echo "== a new writer from the replica"
machine writer-2
restored="$work/writer-2/data/jamforelse.db"
start=$(date +%s.%N)
DB_PATH="$restored" litestream restore -config "$config" -integrity-check full "$restored" >>"$work/writer-2/logs/restore.log" 2>&1 ||
	{ cat "$work/writer-2/logs/restore.log"; fail "the restore failed"; exit 1; }
say "restored in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'); Litestream: $(grep -o 'post-restore integrity check passed' "$work/writer-2/logs/restore.log" || echo 'no integrity check')"
"$server" check -db "$restored" | sed 's/^/    /'
serve writer-2 -read-only
present=$(graphql "$url" "{ nodes(ids: [$(for p in "${acked[@]}"; do printf '"%s",' "$(figure "$p")"; done)]) { id } }" | grep -o '"id":"[^"]*"' | wc -l)
count_restored=$(count "$url")
kill "$server_pid"
gone "$server_pid"
lost=$((${#acked[@]} - present))
ago() { awk -v a="$1" -v b="$killed_at" 'BEGIN { printf "%.2f", b - a }'; }
echo "acknowledged before the machine died: ${#acked[@]} figures (and 10 before them, and the mistaken import);"
echo "                                      the newest $(ago "${acked_at[-1]}") s before (the large import held the write lock since)"
echo "on the restored writer:              $present of them; $count_restored figures in all, $count_acked before the large import"
echo "lost:                                $lost acknowledged figures"
for ((i = present; i < ${#acked[@]}; i++)); do
	echo "  figure ${acked[$i]}, acknowledged $(ago "${acked_at[$i]}") s before the machine died"
	# Litestream uploads each second's transactions at the next sync, late by at most its busy timeout
	# (ops/litestream-writer.yml); on a machine busy with other work it can be later still.
	awk -v s="$(ago "${acked_at[$i]}")" -v limit="$sync_interval.1" 'BEGIN { exit !(s <= limit) }' ||
		echo "  (more than the sync interval and Litestream's busy timeout: Litestream was late)"
done
[ $((count_acked - count_restored)) -eq "$lost" ] && echo "the large import:                    absent, all 60,000 of its figures (it never committed)" ||
	fail "$count_restored figures restored: not the $count_acked acknowledged less the $lost lost, so part of the large import is there"
grep -q "post-restore integrity check passed" "$work/writer-2/logs/restore.log" || fail "Litestream's integrity check did not pass"
"$server" check -db "$restored" >/dev/null || fail "server check: the integrity check failed"

serve writer-2 -heartbeat 1s
writer=$url
replicate writer-2
publish "$writer" "$token" 2199
sleep $((2 * sync_interval + 1))
DB_PATH="$restored" litestream restore -config "$config" -o "$work/probe.db" "$restored" >>"$work/writer-2/logs/restore.log" 2>&1
replicated=$("$server" check -db "$work/probe.db" | grep observations)
say "writer-2 serves at $writer, takes writes (the token survived), and replicates: a copy from the replica has $replicated"
[ "$replicated" = "observations: $((count_restored + 1))" ] || fail "the new writer's write is not in the replica"

echo
echo "== point-in-time restore to before the mistaken import ($before_mistake)"
mkdir -p "$work/pitr"
DB_PATH="$restored" litestream restore -config "$config" -timestamp "$before_mistake" -integrity-check full -o "$work/pitr/jamforelse.db" "$restored" >>"$work/pitr/restore.log" 2>&1 ||
	{ cat "$work/pitr/restore.log"; fail "the point-in-time restore failed"; exit 1; }
"$server" check -db "$work/pitr/jamforelse.db" | sed 's/^/    /'
count_pitr=$("$server" check -db "$work/pitr/jamforelse.db" | grep -o 'observations: [0-9]*' | cut -d' ' -f2)
echo "figures before the mistake: $count_before_mistake; in the copy restored to then: $count_pitr"
if [ "$count_pitr" = "$count_before_mistake" ]; then
	echo "the mistaken import is undone in the copy: none of its 600 figures, every figure before it"
else
	fail "the point-in-time copy has $count_pitr figures, not the $count_before_mistake before the mistake"
fi

echo
if [ "$failed" = 0 ]; then
	echo "RESULT: ok"
else
	echo "RESULT: FAILED"
	exit 1
fi
