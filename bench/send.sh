#!/usr/bin/env bash
# bench/send.sh [N]: how fast a breachdesk campaign sends N notices to a
# real SMTP server, compared in the same run with Postfix's smtp-source
# sending N messages of the same size to the same smtp-sink (the limit of
# this machine). Runs the campaign without DKIM, then with RSA-2048 DKIM.
# Prints messages per second, CPU ms per 1,000 messages, and the ratios.
#
# This machine's speed drifts by a third from one minute to the next, so
# smtp-source runs just before and just after the campaign without DKIM,
# and the ratio is to the mean of its two times.
#
# Needs smtp-sink and smtp-source (Debian package postfix), openssl and
# GNU time. SQLite database in a temporary directory.
set -euo pipefail
n=${1:-200000}
concurrency=${BENCH_CONCURRENCY:-16}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
sink_pid=""
cleanup() { [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for tool in smtp-sink smtp-source openssl /usr/bin/time; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		{ echo "bench/send.sh needs $tool (apt-get install postfix openssl time)"; exit 2; }
done
export PATH="$PATH:/usr/sbin"

go build -o "$work/breachdesk" ./cmd/breachdesk
bd="$work/breachdesk"
export BREACHDESK_DB="$work/bd.db" BREACHDESK_KEY_FILE="$work/bd.key" BREACHDESK_LOG_LEVEL=warn

# A free port on the loopback, and smtp-sink on it. As root it must drop
# privileges (-u); it counts and drops what it receives.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user_args=()
[[ $(id -u) == 0 ]] && user_args=(-u nobody)
smtp-sink "${user_args[@]}" -m 1024 "127.0.0.1:$port" 1024 &
sink_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "Preparing $n people ($(nproc) cores, $concurrency connections)..."
"$bd" org set --name "Bench Marketplace" --country FR --dpo-name "Dana Prot" --dpo-email dpo@bench.example >/dev/null
"$bd" gen subjects "$n" --seed 7 >"$work/people.csv"
printf 'title: Customer records stolen\nsummary: An intruder copied customer records.\ndata_categories: [name, email, phone, postal_address, payment_card_last4, password_hash_weak]\naware_at: 2026-11-20T10:00:00Z\n' |
	"$bd" incident create -f - >/dev/null
"$bd" subjects import 1 "$work/people.csv" >/dev/null 2>&1
plain=$("$bd" campaign create 1 2>/dev/null)
signed=$("$bd" campaign create 1 2>/dev/null)
first=$(head -2 "$work/people.csv" | tail -1 | cut -d, -f1)
size=$("$bd" campaign preview "$plain" --subject "$first" --format eml --mail-from "Bench <privacy@bench.example>" | wc -c)
echo "A notice is $size bytes."

# elapsed seconds and CPU seconds (user + system) of a command
measure() {
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
	read -r secs user sys <"$work/time"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
}
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
cpu_per_k() { awk -v n="$n" -v c="$1" 'BEGIN { printf "%.1f", c * 1000 * 1000 / n }'; }
ratio() { awk -v limit="$1" -v bd="$2" 'BEGIN { printf "%.2fx", limit / bd }'; } # of elapsed times: the rate ratio

# The limit: smtp-source, same size, same sink, same number of sessions.
source() {
	measure smtp-source -s "$concurrency" -m "$n" -l "$size" -f bench@bench.example -t sink@example.org "127.0.0.1:$port"
	printf 'smtp-source (%s):   %7s msg/s | %6s CPU ms per 1,000 messages\n' "$1" "$(rate "$secs")" "$(cpu_per_k "$cpu")"
}
echo
source before
src_before=$secs

send() {
	measure "$bd" campaign send "$1" --smtp "smtp+insecure://127.0.0.1:$port" --concurrency "$concurrency" \
		--mail-from "Bench <privacy@bench.example>" "${@:2}"
	grep -q "sent $n" <(sed 's/,//g' "$work/out") || grep -q "done, " "$work/out" || { cat "$work/out"; exit 1; }
}
send "$plain"
plain_s=$secs plain_cpu=$cpu
source after
src_s=$(awk -v a="$src_before" -v b="$secs" 'BEGIN { print (a + b) / 2 }')
printf 'smtp-source (mean):     %7s msg/s\n' "$(rate "$src_s")"
printf 'breachdesk, no DKIM:    %7s msg/s | %6s CPU ms per 1,000 messages | ratio %s of smtp-source\n' \
	"$(rate "$plain_s")" "$(cpu_per_k "$plain_cpu")" "$(ratio "$src_s" "$plain_s")"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/dkim.pem" 2>/dev/null
send "$signed" --dkim-key "$work/dkim.pem" --dkim-selector bench --dkim-domain bench.example
printf 'breachdesk, RSA DKIM:   %7s msg/s | %6s CPU ms per 1,000 messages | ratio %s of smtp-source | %s signatures/s\n' \
	"$(rate "$secs")" "$(cpu_per_k "$cpu")" "$(ratio "$src_s" "$secs")" "$(rate "$secs")"

# The ceiling of signing: RSA-2048 signatures per second on one core, with
# no database and no network; the campaign signs on every core.
sign=$(go test ./smtp -run '^$' -bench 'SignRSA2048' -benchtime 2s -cpu 1 2>/dev/null | awk '/ns\/op/ { printf "%.0f", 1e9 / $3 }')
printf '\nRSA-2048 signing alone, one core (go test ./smtp -bench SignRSA2048): %s signatures/s; %d cores here\n' "$sign" "$(nproc)"
