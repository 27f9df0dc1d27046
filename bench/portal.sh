#!/usr/bin/env bash
# bench/portal.sh [N]: how fast breachdesk's public pages answer, with N
# people notified, compared in the same run with the smallest Go HTTP
# server (bench/hello, "hello world\n", the limit of this machine and of
# net/http). wrk sends the same load to each for the same time:
#
#   GET /verify?code=... cycling over real codes read from the database,
#   GET /verify?code=... cycling over well-formed codes that match no notice,
#   GET / on bench/hello, before, between and after those two (the
#   machine's speed drifts: each verify run is compared with the mean of
#   the two hello-world runs around it), after an unmeasured warm-up,
#   GET /verify?code=... with valid codes again, offered at 0.4x of
#   hello-world's rate on a clock, for the latency at that rate, then
#   POST /contact inquiries, each with the CSRF cookie and token of one
#   GET /contact, after which the answers wrk counted as accepted are
#   compared with the rows in the inquiries table.
#
# Prints requests per second, the 99th percentile latency, the answers by
# status, and the ratio to hello-world. BENCH_THREADS, BENCH_CONNECTIONS,
# BENCH_DURATION and BENCH_CODES change the load and the number of codes;
# BENCH_WARMUP the seconds of the unmeasured first runs.
#
# Needs wrk (apt-get install wrk), sqlite3, curl, python3 and smtp-sink
# (Debian package postfix). SQLite database in a temporary directory.
set -euo pipefail
n=${1:-1000000}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
duration=${BENCH_DURATION:-15s}
ncodes=${BENCH_CODES:-10000}
warmup=${BENCH_WARMUP:-5}
cd "$(dirname "$0")/.."
# BENCH_WORK keeps the prepared database in that directory, and a later run
# with the same directory and N measures again without preparing it.
work=${BENCH_WORK:-$(mktemp -d)}
mkdir -p "$work"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null
	[[ -n ${BENCH_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk sqlite3 curl python3 smtp-sink; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		{ echo "bench/portal.sh needs $tool (apt-get install wrk sqlite3 curl python3 postfix)"; exit 2; }
done
export PATH="$PATH:/usr/sbin"

go build -o "$work/breachdesk" ./cmd/breachdesk
go build -o "$work/hello" ./bench/hello
bd="$work/breachdesk"
db="$work/bd.db"
export BREACHDESK_DB="$db" BREACHDESK_KEY_FILE="$work/bd.key" BREACHDESK_LOG_LEVEL=warn

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on port $1"; exit 1; }

# The notices must really be sent for their codes to exist: to smtp-sink,
# which counts and drops them. As root it must drop privileges (-u).
sink_port=$(free_port)
user_args=()
[[ $(id -u) == 0 ]] && user_args=(-u nobody)
smtp-sink "${user_args[@]}" -m 1024 "127.0.0.1:$sink_port" 1024 &
pids+=($!)
wait_port "$sink_port"

if [[ -s $work/prepared && $(cat "$work/prepared") == "$n" ]]; then
	echo "Reusing the $n people notified in $work ($(nproc) cores)."
else
rm -f "$db" "$db-wal" "$db-shm" "$work/bd.key"
echo "Preparing and notifying $n people ($(nproc) cores)..."
"$bd" org set --name "Bench Marketplace" --country FR --dpo-name "Dana Prot" --dpo-email dpo@bench.example >/dev/null
"$bd" gen subjects "$n" --seed 7 >"$work/people.csv"
printf 'title: Customer records stolen\nsummary: An intruder copied customer records.\ndata_categories: [name, email, phone, postal_address, payment_card_last4, password_hash_weak]\naware_at: 2026-11-20T10:00:00Z\n' |
	"$bd" incident create -f - >/dev/null
"$bd" subjects import 1 "$work/people.csv" >/dev/null 2>&1
campaign=$("$bd" campaign create 1 2>/dev/null)
"$bd" campaign send "$campaign" --smtp "smtp+insecure://127.0.0.1:$sink_port" --concurrency 16 \
	--mail-from "Bench <privacy@bench.example>" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
echo "$n" >"$work/prepared"
fi

# Real codes, in random order, and as many codes of the same form that no
# notice carries (60 random bits: a guess, as an attacker's would be).
sqlite3 "$db" "SELECT code FROM notices WHERE state = 'sent' AND code IS NOT NULL ORDER BY random() LIMIT $ncodes" >"$work/valid"
[[ -s $work/valid ]] || { echo "no sent notice has a code"; exit 1; }
awk -v n="$(wc -l <"$work/valid")" 'BEGIN {
	srand(7); a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	for (i = 0; i < n; i++) {
		c = "BD"
		for (j = 0; j < 12; j++) { if (j % 4 == 0) c = c "-"; c = c substr(a, int(rand() * 32) + 1, 1) }
		print c
	}
}' | grep -vxF -f "$work/valid" >"$work/invalid"
sed 's|^|/verify?code=|' "$work/valid" >"$work/valid.paths"
sed 's|^|/verify?code=|' "$work/invalid" >"$work/invalid.paths"
echo / >"$work/hello.paths"
echo "$(wc -l <"$work/valid") valid codes and $(wc -l <"$work/invalid") invalid ones."

public_port=$(free_port)
console_port=$(free_port)
# wrk is one client at one address, which the per-client limit would stop
# after fifty requests: both rate limits are lifted, the bound on requests
# in flight stays. Receipts go to the sink, as they would to a relay.
"$bd" serve --public-addr "127.0.0.1:$public_port" --addr "127.0.0.1:$console_port" \
	--public-client-rate inf --public-rate inf \
	--smtp "smtp+insecure://127.0.0.1:$sink_port" --mail-from "Bench <privacy@bench.example>" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_port "$public_port"
public="http://127.0.0.1:$public_port"
"$work/hello" >"$work/hello.addr" &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/hello.addr ]] && break; sleep 0.1; done
hello="http://$(cat "$work/hello.addr")"

# wrk's scripts. get.lua cycles over the paths in a file, each thread
# starting at another place. contact.lua posts an inquiry from a different
# person each time with the same CSRF pair, and counts the answers by
# status, which it prints when the run is done. Only contact.lua has a
# response function: with one, wrk parses every answer's headers and body
# into Lua, which costs it more per answer than a hello-world server does,
# on the same cores as the server measured; get runs read the count of
# errors from wrk's own summary instead.
cat >"$work/get.lua" <<'EOF'
local threads = {}
function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

function init(args)
	paths = {}
	for line in io.lines(args[1]) do table.insert(paths, line) end
	n = (id * 7919) % #paths
end

function request()
	n = n + 1
	return wrk.format("GET", paths[n % #paths + 1])
end
EOF
# paced.lua is get.lua on a schedule: each thread sends its requests at
# fixed intervals of args[2] milliseconds, read on the monotonic clock
# (through LuaJIT's ffi), whatever the answers take. A connection waits
# until the next free slot; one that falls behind sends at once, until the
# thread is back on time. wrk then offers a set rate, not as many requests
# as the server can take. (wrk still times each request from when it is
# sent, not from its slot.)
{ cat "$work/get.lua"; cat <<'EOF'
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local paths_init = init
function init(args)
	paths_init(args)
	interval = tonumber(args[2])
	slot = now()
end

function delay()
	local t = now()
	slot = slot + interval
	if slot <= t then return 0 end
	return math.ceil(slot - t)
end
EOF
} >"$work/paced.lua"
cat >"$work/contact.lua" <<'EOF'
local threads = {}
function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

local function enc(s)
	return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
	statuses = {}
	n = 0
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = args[1] }
	token = enc(args[2])
end

function request()
	n = n + 1
	local who = id .. "-" .. n
	local body = "csrf=" .. token .. "&name=" .. enc("Bench Person " .. who) ..
		"&email=" .. enc("bench+" .. who .. "@example.org") .. "&category=question" ..
		"&message=" .. enc("Was my card number in the stolen records? (" .. who .. ")")
	return wrk.format("POST", "/contact", headers, body)
end

function response(status)
	statuses[status] = (statuses[status] or 0) + 1
end

function done()
	local total = {}
	for _, t in ipairs(threads) do
		for status, count in pairs(t:get("statuses")) do
			total[status] = (total[status] or 0) + count
		end
	end
	for status, count in pairs(total) do
		io.write(string.format("status %d %d\n", status, count))
	end
end
EOF

# One wrk run of a script with the same threads, connections and duration
# as every other: sets rps, p99 and statuses, by status from contact.lua
# ("200:N 303:N"), else answers below 400 and the others ("ok:N error:N").
load() {
	local script=$1
	shift
	wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/$script" "$@" >"$work/wrk.out" 2>&1 ||
		{ cat "$work/wrk.out"; exit 1; }
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")
	statuses=$(awk '$1 == "status" { printf "%s%s:%s", sep, $2, $3; sep = " " }' "$work/wrk.out")
	if [[ -z $statuses ]]; then
		statuses=$(awk '/ requests in / { total = $1 } /Non-2xx or 3xx responses:/ { errors = $NF }
			END { printf "ok:%d error:%d", total - errors, errors }' "$work/wrk.out")
	fi
}
ratio() { awk -v bd="$1" -v limit="$2" 'BEGIN { printf "%.2fx", bd / limit }'; }
# The public pages limit each client's rate and the requests in flight,
# and wrk is one client: refusals (429, 503) are cheap and must not pass
# for pages served.
report() {
	printf '%-28s %8s req/s | p99 %8s | %s\n' "$1" "$rps" "$p99" "$statuses"
	if [[ " $statuses" == *" 429:"* || " $statuses" == *" 503:"* ]]; then
		echo "  warning: part of this load was refused by the public pages' limits (429/503), not served"
	elif [[ " $statuses" == *" error:"* && " $statuses" != *" error:0" ]]; then
		echo "  warning: part of this load was answered with an error (a refusal by the limits is 429 or 503), not served"
	fi
}

# The pages must be there before they are measured.
first=$(head -1 "$work/valid")
status=$(curl -s -o /dev/null -w '%{http_code}' "$public/verify?code=$first")
[[ $status == [23]?? ]] || { echo "GET /verify with a valid code answered $status"; cat "$work/serve.log"; exit 1; }

# A first, unmeasured run of each warms what the measures would otherwise
# count against the first of them: wrk and the loopback, and the page cache
# of each of the server's SQLite readers.
echo
echo "warming up: verify, valid and invalid codes, then hello-world, ${warmup}s each"
for target in "$public valid" "$public invalid" "$hello hello"; do
	wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$work/get.lua" "${target% *}" -- "$work/${target#* }.paths" >/dev/null 2>&1
done

echo "wrk: $threads threads, $connections connections, $duration per run"
# hello-world runs before, between and after the two verify runs: each
# verify run is compared with the mean of the two around it.
load get.lua "$hello" -- "$work/hello.paths"
report "hello-world (1)" && hello1=$rps
load get.lua "$public" -- "$work/valid.paths"
report "verify, valid codes" && valid_rps=$rps
load get.lua "$hello" -- "$work/hello.paths"
report "hello-world (2)" && hello2=$rps
load get.lua "$public" -- "$work/invalid.paths"
report "verify, invalid codes" && invalid_rps=$rps
load get.lua "$hello" -- "$work/hello.paths"
report "hello-world (3)" && hello3=$rps
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a + b) / 2 }'; }
printf 'verify, valid codes:   %s of hello-world (1 and 2: %s req/s)\n' "$(ratio "$valid_rps" "$(mean "$hello1" "$hello2")")" "$(mean "$hello1" "$hello2")"
printf 'verify, invalid codes: %s of hello-world (2 and 3: %s req/s)\n' "$(ratio "$invalid_rps" "$(mean "$hello2" "$hello3")")" "$(mean "$hello2" "$hello3")"
hello_rps=$(awk -v a="$hello1" -v b="$hello2" -v c="$hello3" 'BEGIN { printf "%.0f", (a + b + c) / 3 }')

# The runs above are at saturation: wrk's connections each wait for an
# answer and ask again at once, so a request's latency is mostly the time
# it queues behind the others (connections / rate), whatever the server.
# The latency at a given rate is measured by offering that rate: 0.4x of
# hello-world's (the mean of its three runs), the target, then the rate
# served and its p99 are what count.
interval=$(awk -v t="$threads" -v r="$hello_rps" 'BEGIN { printf "%.4f", t * 1000 / (0.4 * r) }')
load paced.lua "$public" -- "$work/valid.paths" "$interval"
report "verify, valid, at 0.4x" && paced_rps=$rps
printf 'verify, valid codes, offered at 0.4x of hello-world: served %s of hello-world, p99 %s\n' "$(ratio "$paced_rps" "$hello_rps")" "$p99"

# Inquiries: one GET /contact gives the CSRF cookie and the token of its
# form; every POST reuses them. The handler may answer a stored inquiry
# with 200 or redirect to a thank-you page (303), so an answer below 400
# counts as accepted. Cookies are read from the headers, not curl's jar,
# which would drop a Secure cookie sent over plain HTTP.
curl -s -D "$work/contact.headers" -o "$work/contact.html" "$public/contact"
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\).*/\1/p' "$work/contact.headers" | tr -d '\r' | paste -sd ';' | sed 's/;/; /g')
# html/template writes + as &#43; in an attribute.
token=$(grep -o '<input[^>]*name="csrf"[^>]*>' "$work/contact.html" | head -1 | sed -n 's/.*value="\([^"]*\)".*/\1/p' |
	sed -e 's/&#43;/+/g' -e 's/&#34;/"/g' -e "s/&#39;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g')
[[ -n $cookie && -n $token ]] || { echo "GET /contact gave no CSRF cookie and token"; exit 1; }
before=$(sqlite3 "$db" 'SELECT count(*) FROM inquiries')
load contact.lua "$public" -- "$cookie" "$token"
report "contact, POST inquiries"
accepted=$(awk '$1 == "status" && $2 < 400 { s += $3 } END { print s + 0 }' "$work/wrk.out")
# wrk stops counting with a request in flight on each connection, which
# the server may still store: up to that many more rows than answers is
# expected; fewer rows than answers is an accepted inquiry lost.
sleep 1
stored=$(($(sqlite3 "$db" 'SELECT count(*) FROM inquiries') - before))
if ((stored == accepted)); then
	echo "accepted = stored: $accepted inquiries"
elif ((stored > accepted && stored - accepted <= connections)); then
	echo "accepted = stored but for the requests in flight when wrk stopped: $accepted accepted, $stored stored ($((stored - accepted)) more, at most $connections)"
else
	echo "accepted $accepted, stored $stored: a difference of $((stored - accepted))"
	exit 1
fi
