#!/usr/bin/env bash
# Load benchmark of hazard reports: intake (POST /api/v1/public/reports, no attachment, every report
# committed before the answer) and the public list of the newest 20 (GET /open311/v2/requests.json?
# page_size=20), with 10,000 reports stored, at 16 and 64 connections on loopback, on SQLite and
# PostgreSQL. Also the server's CPU use and memory (RSS at the end, peak RSS) during each route.
# The stored reports are made by crates/anjian/examples/seed_reports.rs through the app itself.
#
#   bench/reports.sh           everything: sqlite & postgres × intake & list × 16 & 64 connections; 3 runs × 10 s
#   bench/reports.sh --quick   smoke check: sqlite only, 1 run × 5 s, 16 connections
#
# Prints a Markdown report (medians over the runs) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_DATABASES="sqlite postgres", BENCH_REPORTS=10000, BENCH_CONNECTIONS="16 64",
# BENCH_RUNS=3, BENCH_DURATION=10, BENCH_WARMUP=2, BENCH_PORT, BENCH_PG_URL=postgres://postgres@127.0.0.1:5432,
# BENCH_PG_ADMIN_DB=test, BENCH_KEEP=1 (keep the temp dir).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LUA="$BENCH_DIR/wrk-report.lua"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "reports.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
if [[ $QUICK == 1 ]]; then
    RUNS=${BENCH_RUNS:-1}; DURATION=${BENCH_DURATION:-5}; CONNECTIONS=${BENCH_CONNECTIONS:-16}; DATABASES=${BENCH_DATABASES:-sqlite}
else
    RUNS=${BENCH_RUNS:-3}; DURATION=${BENCH_DURATION:-10}; CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}; DATABASES=${BENCH_DATABASES:-"sqlite postgres"}
fi
WARMUP=${BENCH_WARMUP:-2}
REPORTS=${BENCH_REPORTS:-10000}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${BENCH_PG_ADMIN_DB:-test}
PG_DB="anjian_reports_$$"
NAME=reports; EXAMPLE=seed_reports; PORT_BASE=18600
SERVER_ENV=(ANJIAN_REPORTS_PER_HOUR=0 ANJIAN_LOG=warn)
for n in $RUNS $DURATION $WARMUP $REPORTS $CONNECTIONS; do [[ $n =~ ^[0-9]+$ ]] || { echo "reports.sh: not a number: $n" >&2; exit 2; }; done
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
RAW="$WORK/raw.tsv"; : >"$RAW"

# CPU seconds (user + system) the server has used, and its resident memory in KiB (now, and at peak).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"; }
rss_kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$SERVER_PID/status"; }

run_wrk() { # path connections seconds [method body]
    env WRK_METHOD="${4:-}" WRK_BODY="${5:-}" "${PIN_WRK[@]}" wrk -t1 -c"$2" -d"$3s" --timeout 10s -s "$LUA" "$BASE$1" 2>&1
}

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ); START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for DB in $DATABASES; do
    DATA="$WORK/$DB"; mkdir -p "$DATA"
    case $DB in
        sqlite) DB_URL="" ;;
        postgres)
            psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create $PG_DB"
            PG_CREATED=1; DB_URL="$PG_URL/$PG_DB" ;;
        *) die "unknown database $DB" ;;
    esac
    log "$DB: seeding $REPORTS reports"
    t0=$(date +%s.%N)
    TOWN=$(env ANJIAN_DATA_DIR="$DATA" ANJIAN_DATABASE_URL="$DB_URL" "$SEEDER" "$REPORTS" 2>"$DATA/seed.err") \
        || die "seeding failed: $(tail -n 5 "$DATA/seed.err")"
    log "$DB: seeded in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
    start_server
    BODY="{\"town_id\":\"$TOWN\",\"category\":\"fire_safety\",\"description\":\"仓库消防通道被货物堵塞，灭火器过期\",\"location\":\"青峰场社区老街\"}"
    listed=$(curl -sS --max-time 30 "$BASE/open311/v2/requests.json?page_size=20" | grep -o '"service_request_id"' | wc -l)
    (( listed == 20 )) || die "the public list shows $listed requests, expected 20"
    for route in "intake|/api/v1/public/reports|POST" "list|/open311/v2/requests.json?page_size=20|"; do
        IFS='|' read -r name path method <<<"$route"
        body=""; [[ $method == POST ]] && body=$BODY
        for conns in $CONNECTIONS; do
            out=$(run_wrk "$path" "$conns" "$WARMUP" "$method" "$body"); grep -q '^RESULT ' <<<"$out" || die "wrk: $out"
            for run in $(seq "$RUNS"); do
                cpu0=$(cpu_seconds); w0=$(date +%s.%N)
                out=$(run_wrk "$path" "$conns" "$DURATION" "$method" "$body"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
                cpu=$(awk -v a="$cpu0" -v b="$(cpu_seconds)" -v s="$w0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", 100 * (b - a) / (e - s) }')
                [[ $(field non2xx "$line") == 0 ]] || die "$DB $name: responses that were not 2xx: $out"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$name" "$conns" "$run" \
                    "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$cpu" \
                    "$(rss_kib VmRSS)" "$(rss_kib VmHWM)" >>"$RAW"
                log "$DB $name c=$conns run $run: $(cut -d' ' -f2- <<<"$line") cpu=${cpu}%"
            done
        done
    done
    stop_server
    if [[ $DB == postgres ]]; then
        psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "DROP DATABASE $PG_DB WITH (FORCE)" >/dev/null && PG_CREATED=0
    fi
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "# Anjian hazard-report benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- started $STARTED_AT; commit $GIT_REV; $(uname -sr); $(nproc) × ${CPU:-unknown CPU}"
echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); 1 wrk thread; $RUNS run(s) × ${DURATION} s after ${WARMUP} s warm-up"
echo "- pinning: $PINNING; load average start / end: $START_LOAD / $END_LOAD (shared machine: medians)"
echo "- data: the demo town and $REPORTS reports (one in ten named) before the first run; intake adds more"
echo "- server CPU: % of one core over the run (the server is pinned to one core); memory: RSS at the run's end, peak RSS so far"
echo
echo "| database | route | connections | req/s | p50 ms | p99 ms | server CPU % | RSS MiB | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    k = $1 SUBSEP $2 SUBSEP $3
    if (!(k in seen)) { order[++n] = k; seen[k] = 1 }
    rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; cpu[k] = cpu[k] " " $8
    rss[k] = $9; hwm[k] = $10
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        printf "| %s | %s | %d | %.0f | %.2f | %.2f | %.0f | %.1f | %.1f |\n", p[1], p[2], p[3], median(rps[k]), median(p50[k]), median(p99[k]), median(cpu[k]), rss[k] / 1024, hwm[k] / 1024
    }
}' "$RAW"
