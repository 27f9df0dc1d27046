#!/usr/bin/env bash
# bench/import.sh [N]: how fast breachdesk imports N affected people,
# compared in the same run with the tool underneath each backend loading
# the same CSV into a plain table (sqlite3 .import, psql \copy).
# Prints rows per second, the ratio, and breachdesk's peak memory.
#
# PostgreSQL: set BREACHDESK_BENCH_POSTGRES to a server URL (default
# postgres://postgres@127.0.0.1:5432/test); each run uses fresh schemas.
set -euo pipefail
n=${1:-1000000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pg=${BREACHDESK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
export PGOPTIONS="-c client_min_messages=warning"

for tool in sqlite3 psql /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench/import.sh needs $tool (apt-get install sqlite3 postgresql-client time)"; exit 2; }
done

go build -o "$work/breachdesk" ./cmd/breachdesk
bd="$work/breachdesk"
echo "Generating $n people..."
"$bd" gen subjects "$n" --seed 42 >"$work/people.csv"
echo "CSV: $(du -h "$work/people.csv" | cut -f1), $(nproc) cores"

# elapsed seconds and peak RSS (KB) of a command, into $secs and $rss
measure() {
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
	read -r secs rss <"$work/time"
}
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v raw="$1" -v bd="$2" 'BEGIN { printf "%.2fx", raw / bd }'; }

columns="external_id TEXT, name TEXT, email TEXT, phone TEXT, postal_address TEXT, country TEXT, region TEXT, language TEXT, data_categories TEXT"

# SQLite
sqlite3 "$work/raw.db" "PRAGMA journal_mode=WAL; CREATE TABLE people ($columns);" >/dev/null
measure sqlite3 "$work/raw.db" -cmd ".mode csv" ".import --skip 1 $work/people.csv people"
raw_s=$secs sqlite_raw_rate=$(rate "$secs")
export BREACHDESK_DB="$work/bd.db" BREACHDESK_KEY_FILE="$work/bd.key"
echo "title: bench" | "$bd" incident create -f - >/dev/null
measure "$bd" subjects import 1 "$work/people.csv"
bd_s=$secs bd_rss=$rss
grep -q "imported $n," "$work/out" || { cat "$work/out"; exit 1; }
printf '\nSQLite      sqlite3 .import: %8s rows/s | breachdesk: %8s rows/s | ratio %s | peak RSS %d MiB\n' \
	"$(rate "$raw_s")" "$(rate "$bd_s")" "$(ratio "$raw_s" "$bd_s")" $((bd_rss / 1024))

# PostgreSQL
if psql "$pg" -qAtc 'SELECT 1' >/dev/null 2>&1; then
	schema="bench_$$"
	psql "$pg" -qc "DROP SCHEMA IF EXISTS ${schema}_raw CASCADE; DROP SCHEMA IF EXISTS ${schema}_bd CASCADE; CREATE SCHEMA ${schema}_raw; CREATE SCHEMA ${schema}_bd; CREATE TABLE ${schema}_raw.people ($columns);"
	measure psql "$pg" -qc "\\copy ${schema}_raw.people FROM '$work/people.csv' WITH (FORMAT csv, HEADER true)"
	raw_s=$secs pg_raw_rate=$(rate "$secs")
	sep='?'; [[ $pg == *\?* ]] && sep='&'
	export BREACHDESK_DB="$pg${sep}search_path=${schema}_bd" BREACHDESK_KEY_FILE="$work/pg.key"
	echo "title: bench" | "$bd" incident create -f - >/dev/null
	measure "$bd" subjects import 1 "$work/people.csv"
	bd_s=$secs bd_rss=$rss
	grep -q "imported $n," "$work/out" || { cat "$work/out"; exit 1; }
	psql "$pg" -qc "DROP SCHEMA ${schema}_raw CASCADE; DROP SCHEMA ${schema}_bd CASCADE;"
	printf 'PostgreSQL  psql \\copy:      %8s rows/s | breachdesk: %8s rows/s | ratio %s | peak RSS %d MiB\n' \
		"$(rate "$raw_s")" "$(rate "$bd_s")" "$(ratio "$raw_s" "$bd_s")" $((bd_rss / 1024))
else
	echo "PostgreSQL  skipped: no server at $pg"
fi

# The ceilings: breachdesk's own per-row work with no database at all, and
# the SQLite writer alone, each against the raw tools' rates above.
metric() { awk -v m="$1" '!found { for (i = 2; i <= NF; i++) if ($i == m) { printf "%.0f", $(i - 1); found = 1 } }'; }
no_store=$(BREACHDESK_BENCH_CSV="$work/people.csv" go test ./importer -run '^$' -bench ImportWithoutStore -benchtime 1x | metric rows/s)
writer=$(go test ./sqlite -run '^$' -bench InsertSealedPeople -benchtime 20x | metric rows/s)
per() { [[ -n ${2:-} ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' || echo "n/a"; }
printf '\nCeilings on this machine (%d cores):\n' "$(nproc)"
printf '  read, check and seal, no database:  %8s rows/s | %s of sqlite3 .import, %s of psql \\copy\n' \
	"$no_store" "$(per "$no_store" "$sqlite_raw_rate")" "$(per "$no_store" "${pg_raw_rate:-}")"
printf '  SQLite writer alone (sealed rows):  %8s rows/s | %s of sqlite3 .import\n' \
	"$writer" "$(per "$writer" "$sqlite_raw_rate")"
