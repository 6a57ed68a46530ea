#!/usr/bin/env bash
# Load benchmark of a campaign's progress board: GET /api/v1/campaigns/{id}/board (JSON) and
# GET /campaigns/{id}/board (the page) on loopback, on SQLite and PostgreSQL, for 100, 1,000 and 10,000
# units × 3 deliverables with 20 activity records per unit (20,000 at 1,000 units), half the tasks handed
# in. The data is made by crates/anjian/examples/seed_board.rs (the campaign itself is created and
# published by the app). Three measurements per route:
#   kept       wrk at 16 connections with nothing changing: the kept board (no reader waits for a compute)
#   first      the first view after a change: a liaison records an activity through the API, then one
#              view is timed (it computes the board); N times, median and p99
#   writes     wrk at 16 connections while a liaison records an activity every second through the API
#
#   bench/board.sh            everything: sqlite & postgres × 100, 1k, 10k units; 3 runs × 10 s (+2 s warm-up), 30 first views
#   bench/board.sh --quick    smoke check: 1k units only, 1 run × 5 s, 10 first views
#
# Prints a Markdown report (medians over the runs) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_DATABASES="sqlite postgres", BENCH_SIZES="100 1000 10000", BENCH_RECORDS_PER_UNIT=20,
# BENCH_RUNS=3, BENCH_DURATION=10, BENCH_WARMUP=2, BENCH_CONNECTIONS=16, BENCH_FIRST_VIEWS=30,
# BENCH_WRITE_INTERVAL=1 (seconds between writes), BENCH_PORT (first port tried),
# BENCH_PG_URL=postgres://postgres@127.0.0.1:5432, BENCH_PG_ADMIN_DB=test, BENCH_KEEP=1 (keep temp dir).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LUA="$BENCH_DIR/wrk-report.lua"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "board.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
if [[ $QUICK == 1 ]]; then
    RUNS=${BENCH_RUNS:-1}; DURATION=${BENCH_DURATION:-5}; SIZES=${BENCH_SIZES:-1000}; FIRST_VIEWS=${BENCH_FIRST_VIEWS:-10}
else
    RUNS=${BENCH_RUNS:-3}; DURATION=${BENCH_DURATION:-10}; SIZES=${BENCH_SIZES:-"100 1000 10000"}; FIRST_VIEWS=${BENCH_FIRST_VIEWS:-30}
fi
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-16}
PER_UNIT=${BENCH_RECORDS_PER_UNIT:-20}
INTERVAL=${BENCH_WRITE_INTERVAL:-1}
DATABASES=${BENCH_DATABASES:-"sqlite postgres"}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${BENCH_PG_ADMIN_DB:-test}
PG_DB="anjian_board_$$"
NAME=board; EXAMPLE=seed_board; PORT_BASE=18500; SERVER_ENV=(ANJIAN_LOG=warn)
for n in $RUNS $DURATION $WARMUP $CONNS $PER_UNIT $FIRST_VIEWS $INTERVAL $SIZES; do [[ $n =~ ^[0-9]+$ ]] || { echo "board.sh: not a number: $n" >&2; exit 2; }; done
(( FIRST_VIEWS >= 1 && INTERVAL >= 1 )) || { echo "board.sh: BENCH_FIRST_VIEWS and BENCH_WRITE_INTERVAL must be at least 1" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
RAW="$WORK/raw.tsv"; : >"$RAW"
WRITER_PID=""
bench_on_exit() { [[ -z $WRITER_PID ]] || kill "$WRITER_PID" 2>/dev/null; }

ORG_COOKIE=""; LIAISON_COOKIE=""; LIAISON_CSRF=""; TRACK=""
LIAISON_PASSWORD="Bench-liaison-$$-x9"

run_wrk() { # path seconds
    "${PIN_WRK[@]}" wrk -t1 -c"$CONNS" -d"$2s" --timeout 10s -s "$LUA" -H "Cookie: anjian_session=$ORG_COOKIE" "$BASE$1" 2>&1
}

# A liaison of the first seeded enterprise (a recipient of the campaign), made through the API by the
# town's admin: the account, its first password changed, signed in; and the campaign's first track.
make_liaison() {
    local unit creds otp body
    login qf.admin
    unit=$(curl -sS --max-time 30 -H "Cookie: anjian_session=$COOKIE" "$BASE/api/v1/units?q=%E5%9F%BA%E5%87%86%E4%BC%81%E4%B8%9A000000" \
        | grep -o '"id":"[^"]*"' | head -n1 | cut -d'"' -f4)
    [[ -n $unit ]] || die "no seeded enterprise found"
    creds=$(curl -sS --max-time 30 -H "Cookie: anjian_session=$COOKIE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
        -d "{\"username\":\"bench.liaison\",\"display_name\":\"基准联络员\",\"role\":\"liaison\",\"unit_id\":\"$unit\"}" "$BASE/api/v1/users")
    otp=$(sed -n 's/.*"one_time_password":"\([^"]*\)".*/\1/p' <<<"$creds")
    [[ -n $otp ]] || die "could not create the liaison: $creds"
    PASSWORD=$otp login bench.liaison
    body=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -X PUT -H "Cookie: anjian_session=$COOKIE" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' -d "{\"current\":\"$otp\",\"password\":\"$LIAISON_PASSWORD\",\"confirm\":\"$LIAISON_PASSWORD\"}" \
        "$BASE/api/v1/me/password")
    [[ $body == 204 ]] || die "the liaison's password change answered $body"
    PASSWORD=$LIAISON_PASSWORD login bench.liaison
    LIAISON_COOKIE=$COOKIE; LIAISON_CSRF=$CSRF
    TRACK=$(curl -sS --max-time 30 -H "Cookie: anjian_session=$LIAISON_COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/tracks" \
        | grep -o '"id":"[^"]*"' | head -n1 | cut -d'"' -f4)
    [[ -n $TRACK ]] || die "no track on campaign $CAMPAIGN"
}

# One activity record by the liaison (a change on the board); prints "HTTP-code seconds".
write_once() {
    "${PIN_WRK[@]}" curl -sS --max-time 30 -o /dev/null -w '%{http_code} %{time_total}\n' \
        -H "Cookie: anjian_session=$LIAISON_COOKIE" -H "X-CSRF-Token: $LIAISON_CSRF" \
        -F occurred_on=2021-06-16 -F place=厂区 -F form=专题会议 -F participants=30 -F materials=10 -F description=基准台账 \
        "$BASE/api/v1/campaigns/$CAMPAIGN/activities?track=$TRACK"
}

# Every "records":N in the board's JSON added up (each unit's and each track's): a new record adds 2.
records_sum() { grep -o '"records":[0-9]*' "$1" | awk -F: '{ s += $2 } END { print s + 0 }'; }
board_sum() {
    curl -sS --max-time 60 -o "$DATA/board.json" -H "Cookie: anjian_session=$ORG_COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/board"
    records_sum "$DATA/board.json"
}

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ); START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
STALE_NOTES=""
for DB in $DATABASES; do
    for units in $SIZES; do
        DATA="$WORK/$DB-$units"; mkdir -p "$DATA"
        case $DB in
            sqlite) DB_URL="" ;;
            postgres) pg_create ;;
            *) die "unknown database $DB" ;;
        esac
        records=$(( units * PER_UNIT ))
        log "$DB: seeding $units units, $records records"
        t0=$(date +%s.%N)
        CAMPAIGN=$(env ANJIAN_DATA_DIR="$DATA" ANJIAN_DATABASE_URL="$DB_URL" "$SEEDER" "$units" "$records" 2>"$DATA/seed.err") \
            || die "seeding failed: $(tail -n 5 "$DATA/seed.err")"
        log "$DB: seeded in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s; campaign $CAMPAIGN"
        start_server
        make_liaison
        login qf.organiser; ORG_COOKIE=$COOKIE
        rows=$(curl -sS --max-time 60 -H "Cookie: anjian_session=$ORG_COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/board" | grep -o '"unit_id"' | wc -l)
        (( rows >= units )) || die "the board lists $rows units, expected at least $units"
        bytes=$(curl -sS --max-time 60 -H "Cookie: anjian_session=$ORG_COOKIE" "$BASE/api/v1/campaigns/$CAMPAIGN/board" | wc -c)
        for route in "api|/api/v1/campaigns/$CAMPAIGN/board" "page|/campaigns/$CAMPAIGN/board"; do
            name=${route%%|*}; path=${route#*|}

            # 1. The kept board: nothing changes; after the warm-up, past board_cache_seconds the kept board
            #    is still shown while one background task computes the next, so no reader waits.
            out=$(run_wrk "$path" "$WARMUP"); grep -q '^RESULT ' <<<"$out" || die "wrk: $out"
            for run in $(seq "$RUNS"); do
                out=$(run_wrk "$path" "$DURATION"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
                [[ $(field non2xx "$line") == 0 ]] || die "$DB/$units $name: responses that were not 2xx: $out"
                printf '%s\t%s\t%s\t%s\tkept\t%s\t%s\t%s\t%s\t%s\t\n' "$DB" "$units" "$records" "$name" "$run" \
                    "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$bytes" >>"$RAW"
                log "$DB/$units $name kept, run $run: $(cut -d' ' -f2- <<<"$line")"
            done

            # 2. The first view after a change: a record through the API (its answer comes after the
            #    commit and after the board was forgotten), then one timed view, which computes the board.
            before=$(board_sum)
            : >"$DATA/first-$name"; : >"$DATA/first-write-$name"
            for i in $(seq "$FIRST_VIEWS"); do
                read -r code secs < <(write_once)
                [[ $code == 201 ]] || die "recording an activity answered $code"
                echo "$secs" >>"$DATA/first-write-$name"
                read -r code secs < <("${PIN_WRK[@]}" curl -sS --max-time 60 -o "$DATA/view.out" -w '%{http_code} %{time_total}\n' \
                    -H "Cookie: anjian_session=$ORG_COOKIE" "$BASE$path")
                [[ $code == 200 ]] || die "$name view after a change answered $code"
                echo "$secs" >>"$DATA/first-$name"
                if [[ $name == api ]]; then
                    now_sum=$(records_sum "$DATA/view.out")
                    (( now_sum == before + 2 * i )) || die "the first view after change $i does not show it (records sum $now_sum, expected $(( before + 2 * i )))"
                fi
            done
            read -r f_med f_p99 f_min f_max f_n < <(awk '{ print $1 * 1000 }' "$DATA/first-$name" | stats)
            read -r w_med _ < <(awk '{ print $1 * 1000 }' "$DATA/first-write-$name" | stats)
            printf '%s\t%s\t%s\t%s\tfirst\t1\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$units" "$records" "$name" \
                "$f_n" "$f_med" "$f_p99" "$bytes" "$f_min–$f_max; record answered in $w_med ms (median)" >>"$RAW"
            log "$DB/$units $name first view after a change: median $f_med ms, p99 $f_p99 ms (min $f_min, max $f_max, n $f_n)"

            # 3. Writes during reads: a record every INTERVAL seconds while wrk reads.
            for run in $(seq "$RUNS"); do
                before=$(board_sum)
                : >"$DATA/writes"
                ( for _ in $(seq $(( DURATION / INTERVAL ))); do
                      t=$(date +%s.%N); write_once >>"$DATA/writes"
                      sleep "$(awk -v t="$t" -v e="$(date +%s.%N)" -v i="$INTERVAL" 'BEGIN { s = i - (e - t); print (s > 0 ? s : 0) }')"
                  done ) &
                WRITER_PID=$!
                out=$(run_wrk "$path" "$DURATION"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
                wait "$WRITER_PID" || true; WRITER_PID=""
                [[ $(field non2xx "$line") == 0 ]] || die "$DB/$units $name with writes: responses that were not 2xx: $out"
                writes=$(awk '$1 == 201' "$DATA/writes" | wc -l)
                (( writes == $(wc -l <"$DATA/writes") )) || die "a record during the reads failed: $(sort "$DATA/writes" | uniq -c | head -n3)"
                read -r w_med _ < <(awk '{ print $2 * 1000 }' "$DATA/writes" | stats)
                # Every change must show in the next view (a change forgotten while a board was being computed
                # would leave the older board kept).
                after=$(board_sum)
                if (( after != before + 2 * writes )); then
                    STALE_NOTES+="- $DB/$units $name, run $run: after $writes records the board showed $(( (after - before) / 2 )) of them (a change lost to a board computed at the same time)"$'\n'
                    log "WARNING: $DB/$units $name run $run: board shows $(( (after - before) / 2 )) of $writes new records"
                fi
                printf '%s\t%s\t%s\t%s\twrites\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$units" "$records" "$name" "$run" \
                    "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$bytes" "$writes writes, answered in $w_med ms (median)" >>"$RAW"
                log "$DB/$units $name with a write every ${INTERVAL} s, run $run: $(cut -d' ' -f2- <<<"$line"); $writes writes (median $w_med ms)"
            done
        done
        stop_server
        [[ $DB == postgres ]] && pg_drop
    done
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# Anjian progress-board benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- started $STARTED_AT; $(machine_line)"
echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $CONNS connections, 1 wrk thread, one organiser session; $RUNS run(s) × ${DURATION} s after ${WARMUP} s warm-up"
echo "- pinning: $PINNING; load average start / end: $START_LOAD / $END_LOAD (shared machine: medians)"
echo "- data: N enterprises of 青峰镇 + the demo town's units, 3 deliverables each, half the tasks handed in, $PER_UNIT records per unit"
echo "- **kept**: nothing changes; the board is computed before the warm-up and kept (past board_cache_seconds the"
echo "  kept board is shown while a background task computes the next): no reader waits for a computation"
echo "- **first view after a change**: a liaison records an activity (POST /api/v1/campaigns/{id}/activities), then one"
echo "  view is timed with curl (it computes the board); $FIRST_VIEWS times per route; p99 by nearest rank (of 100 or fewer views: the slowest)."
echo "  The JSON route checks that every first view shows the record just made"
echo "- **with writes**: wrk reads while a liaison records an activity every ${INTERVAL} s; every record makes the next"
echo "  readers wait for one computation"
echo
echo "| database | units | records | route | kept: req/s | kept: p50 ms | kept: p99 ms (min–max) | first view after a change: median ms | p99 ms | with writes: req/s | with writes: p50 ms | with writes: p99 ms (min–max) | JSON bytes |"
echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function lohi(list,   n, a, i, lo, hi) {
    n = split(list, a, " "); lo = a[1]; hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return sprintf("%.1f–%.1f", lo, hi)
}
{
    k = $1 SUBSEP $2 SUBSEP $4
    if (!(k in seen)) { order[++n] = k; seen[k] = 1; recs[k] = $3; bytes[k] = $10 }
    if ($5 == "kept")   { krps[k] = krps[k] " " $7; kp50[k] = kp50[k] " " $8; kp99[k] = kp99[k] " " $9 }
    if ($5 == "first")  { fmed[k] = $8; fp99[k] = $9 }
    if ($5 == "writes") { wrps[k] = wrps[k] " " $7; wp50[k] = wp50[k] " " $8; wp99[k] = wp99[k] " " $9 }
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        printf "| %s | %d | %d | %s | %.0f | %.1f | %.1f (%s) | %.1f | %.1f | %.0f | %.1f | %.1f (%s) | %d |\n", p[1], p[2], recs[k], p[3],
            median(krps[k]), median(kp50[k]), median(kp99[k]), lohi(kp99[k]), fmed[k], fp99[k],
            median(wrps[k]), median(wp50[k]), median(wp99[k]), lohi(wp99[k]), bytes[k]
    }
}' "$RAW"
echo
if grep -q $'\t1000\t[0-9]*\tapi\tkept\t' "$RAW"; then
    echo "Target (1,000 units × 3 deliverables, 20,000 records, p99 < 100 ms), per database and measurement:"
    awk -F'\t' '$2 == 1000 && $4 == "api" { k = $1 " " $5; v[k] = v[k] " " $9 }
    function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { for (k in v) { m = median(v[k]); printf "- %s: p99 %.1f ms: %s\n", k, m, (m < 100 ? "met" : "NOT met") } }' "$RAW" | sort
    echo
fi
if [[ -n $STALE_NOTES ]]; then
    echo "Stale boards seen after a run with writes:"
    printf '%s' "$STALE_NOTES"
    echo
fi
echo "<details><summary>Every measurement (database, units, records, route, kind, run, req/s or n, p50 or median ms, p99 ms, JSON bytes, notes)</summary>"
echo
echo '```'
cat "$RAW"
echo '```'
echo "</details>"
