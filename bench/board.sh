#!/usr/bin/env bash
# Load benchmark of a campaign's progress board: GET /api/v1/campaigns/{id}/board (JSON) and
# GET /campaigns/{id}/board (the page) with wrk at 16 connections on loopback, on SQLite and
# PostgreSQL, for 100, 1,000 and 10,000 units × 3 deliverables with 20 activity records per unit
# (20,000 at 1,000 units), half the tasks handed in. The data is made by
# crates/anjian/examples/seed_board.rs (the campaign itself is created and published by the app).
#
#   bench/board.sh            everything: sqlite & postgres × 100, 1k, 10k units; 3 runs × 10 s (+2 s warm-up)
#   bench/board.sh --quick    smoke check: 1 run × 5 s, 1k units only
#
# Prints a Markdown report (medians over the runs) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_DATABASES="sqlite postgres", BENCH_SIZES="100 1000 10000", BENCH_RECORDS_PER_UNIT=20,
# BENCH_RUNS=3, BENCH_DURATION=10, BENCH_WARMUP=2, BENCH_CONNECTIONS=16, BENCH_PORT (first port tried),
# BENCH_PG_URL=postgres://postgres@127.0.0.1:5432, BENCH_PG_ADMIN_DB=test, BENCH_KEEP=1 (keep temp dir).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LUA="$BENCH_DIR/wrk-report.lua"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "board.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
if [[ $QUICK == 1 ]]; then
    RUNS=${BENCH_RUNS:-1}; DURATION=${BENCH_DURATION:-5}; SIZES=${BENCH_SIZES:-1000}
else
    RUNS=${BENCH_RUNS:-3}; DURATION=${BENCH_DURATION:-10}; SIZES=${BENCH_SIZES:-"100 1000 10000"}
fi
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-16}
PER_UNIT=${BENCH_RECORDS_PER_UNIT:-20}
DATABASES=${BENCH_DATABASES:-"sqlite postgres"}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${BENCH_PG_ADMIN_DB:-test}
PG_DB="anjian_board_$$"
NAME=board; EXAMPLE=seed_board; PORT_BASE=18500; SERVER_ENV=()
for n in $RUNS $DURATION $WARMUP $CONNS $PER_UNIT $SIZES; do [[ $n =~ ^[0-9]+$ ]] || { echo "board.sh: not a number: $n" >&2; exit 2; }; done
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
RAW="$WORK/raw.tsv"; : >"$RAW"

COOKIE=""
login() {
    local body
    body=$(curl -sS --max-time 30 -c "$DATA/jar" -H 'Content-Type: application/json' \
        -d '{"username":"qf.organiser","password":"Anjian-demo-2026"}' "$BASE/api/v1/session") || die "login failed"
    COOKIE=$(awk '$6 == "anjian_session" { print $7 }' "$DATA/jar")
    [[ -n $COOKIE ]] || die "no session: $body"
}

run_wrk() { # path seconds
    "${PIN_WRK[@]}" wrk -t1 -c"$CONNS" -d"$2s" --timeout 10s -s "$LUA" -H "Cookie: anjian_session=$COOKIE" "$BASE$1" 2>&1
}

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ); START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for DB in $DATABASES; do
    for units in $SIZES; do
        DATA="$WORK/$DB-$units"; mkdir -p "$DATA"
        case $DB in
            sqlite) DB_URL="" ;;
            postgres)
                psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create $PG_DB"
                PG_CREATED=1; DB_URL="$PG_URL/$PG_DB" ;;
            *) die "unknown database $DB" ;;
        esac
        records=$(( units * PER_UNIT ))
        log "$DB: seeding $units units, $records records"
        t0=$(date +%s.%N)
        CAMPAIGN=$(env ANJIAN_DATA_DIR="$DATA" ANJIAN_DATABASE_URL="$DB_URL" "$SEEDER" "$units" "$records" 2>"$DATA/seed.err") \
            || die "seeding failed: $(tail -n 5 "$DATA/seed.err")"
        log "$DB: seeded in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s; campaign $CAMPAIGN"
        start_server; login
        rows=$(curl -sS --max-time 60 -H "Cookie: anjian_session=$COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/board" | grep -o '"unit_id"' | wc -l)
        (( rows >= units )) || die "the board lists $rows units, expected at least $units"
        bytes=$(curl -sS --max-time 60 -H "Cookie: anjian_session=$COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/board" | wc -c)
        for route in "api|/api/v1/campaigns/$CAMPAIGN/board" "page|/campaigns/$CAMPAIGN/board"; do
            name=${route%%|*}; path=${route#*|}
            out=$(run_wrk "$path" "$WARMUP"); grep -q '^RESULT ' <<<"$out" || die "wrk: $out"
            for run in $(seq "$RUNS"); do
                out=$(run_wrk "$path" "$DURATION"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
                [[ $(field non2xx "$line") == 0 ]] || die "$DB/$units $name: responses that were not 2xx: $out"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$units" "$records" "$name" "$run" \
                    "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$bytes" >>"$RAW"
                log "$DB/$units $name run $run: $(cut -d' ' -f2- <<<"$line")"
            done
        done
        stop_server
        if [[ $DB == postgres ]]; then
            psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "DROP DATABASE $PG_DB WITH (FORCE)" >/dev/null && PG_CREATED=0
        fi
    done
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "# Anjian progress-board benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- started $STARTED_AT; commit $GIT_REV; $(uname -sr); $(nproc) × ${CPU:-unknown CPU}"
echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $CONNS connections, 1 wrk thread; $RUNS run(s) × ${DURATION} s after ${WARMUP} s warm-up"
echo "- pinning: $PINNING; load average start / end: $START_LOAD / $END_LOAD (shared machine: medians)"
echo "- data: N enterprises of 青峰镇 + the demo town's units, 3 deliverables each, half the tasks handed in, $PER_UNIT records per unit"
echo
echo "| database | units | records | route | req/s | p50 ms | p99 ms | p99 min–max | JSON bytes |"
echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    k = $1 SUBSEP $2 SUBSEP $4
    if (!(k in seen)) { order[++n] = k; seen[k] = 1; recs[k] = $3; bytes[k] = $9; lo[k] = $8; hi[k] = $8 }
    rps[k] = rps[k] " " $6; p50[k] = p50[k] " " $7; p99[k] = p99[k] " " $8
    if ($8 + 0 < lo[k] + 0) lo[k] = $8
    if ($8 + 0 > hi[k] + 0) hi[k] = $8
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        printf "| %s | %d | %d | %s | %.0f | %.1f | %.1f | %.1f–%.1f | %d |\n", p[1], p[2], recs[k], p[3], median(rps[k]), median(p50[k]), median(p99[k]), lo[k], hi[k], bytes[k]
    }
}' "$RAW"
