#!/usr/bin/env bash
# Load benchmark of the unit register: GET /healthz, GET /units (page 1) and
# GET /units?q=基准&page=3 with wrk at 64 connections on loopback, on SQLite and PostgreSQL,
# with 1,000 and 100,000 units imported into the demo town through the real import API.
#
#   bench/units.sh            everything: sqlite & postgres × 1k & 100k, 3 runs × 10 s (+2 s warm-up)
#   bench/units.sh --quick    smoke check: 1 run × 5 s, 1k units only
#
# Prints a Markdown report (medians over the runs) on stdout; progress goes to stderr.
# See bench/README.md. Knobs (environment): BENCH_DATABASES="sqlite postgres", BENCH_SIZES="1000 100000",
# BENCH_RUNS=3, BENCH_DURATION=10, BENCH_WARMUP=2, BENCH_CONNECTIONS=64, BENCH_PORT (first port tried),
# BENCH_PG_URL=postgres://postgres@127.0.0.1:5432 (server; a fresh database is created and dropped),
# BENCH_PG_ADMIN_DB=test, BENCH_BIN (skip the build and use this binary), BENCH_KEEP=1 (keep temp dir),
# BENCH_SESSIONS=rotate (64 sessions, each request the next; "per-connection": 64 wrk threads, one
# session each; "shared": one session for all, as before).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LUA="$BENCH_DIR/wrk-report.lua"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "units.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [[ $QUICK == 1 ]]; then
    RUNS=${BENCH_RUNS:-1}; DURATION=${BENCH_DURATION:-5}; SIZES=${BENCH_SIZES:-1000}
else
    RUNS=${BENCH_RUNS:-3}; DURATION=${BENCH_DURATION:-10}; SIZES=${BENCH_SIZES:-"1000 100000"}
fi
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-64}
DATABASES=${BENCH_DATABASES:-"sqlite postgres"}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${BENCH_PG_ADMIN_DB:-test}
PG_DB="anjian_bench_$$"
NAME=units; PORT_BASE=18400; EXAMPLE=""
USERNAME=qf.organiser
IMPORT_CHUNK=10000          # app::import::MAX_ROWS
SEARCH_PATH='/units?q=%E5%9F%BA%E5%87%86&page=3'   # q=基准 (every seeded unit matches), page 3
ROUTES=("healthz|/healthz|none" "units|/units|cookie" "units?q=基准&page=3|$SEARCH_PATH|cookie")
SESSIONS=${BENCH_SESSIONS:-rotate}
[[ $SESSIONS =~ ^(rotate|per-connection|shared)$ ]] || { echo "units.sh: BENCH_SESSIONS is rotate, per-connection or shared" >&2; exit 2; }
for n in $RUNS $DURATION $WARMUP $CONNS $SIZES; do [[ $n =~ ^[0-9]+$ ]] || { echo "units.sh: not a number: $n" >&2; exit 2; }; done
[[ -f $LUA ]] || { echo "units.sh: missing $LUA" >&2; exit 2; }
SERVER_ENV=(ANJIAN_IMPORT_MAX_MIB=64 ANJIAN_SHUTDOWN_GRACE_SECONDS=5)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
RAW="$WORK/raw.tsv"
NOTES="$WORK/notes.txt"
: >"$RAW"; : >"$NOTES"
SAMPLER_PID=""
bench_on_exit() { [[ -z $SAMPLER_PID ]] || kill "$SAMPLER_PID" 2>/dev/null; }
log "binary: $BIN_SRC (sha256 $BIN_SUM…, copied to $BIN)"
DB=""; DATA=""; DB_URL=""

listed_total() { # active units the organiser sees (the town, the demo's units and the seeded ones)
    curl -sS --max-time 60 -H "Cookie: anjian_session=$COOKIE" "$BASE/api/v1/units" \
        | sed -n 's/.*"total":\([0-9]*\).*/\1/p'
}

SEEDED=0
seed_to() { # import 基准企业NNNNNN up to $1 units, at most IMPORT_CHUNK rows a file
    local target=$1 from to n csv code started elapsed
    while (( SEEDED < target )); do
        from=$(( SEEDED + 1 )); to=$(( SEEDED + IMPORT_CHUNK )); (( to > target )) && to=$target
        n=$(( to - from + 1 ))
        csv="$DATA/units-$from-$to.csv"
        awk -v a="$from" -v b="$to" 'BEGIN {
            print "名称,类型,代码,行业,联系人,联系电话,地址"
            for (i = a; i <= b; i++) printf "基准企业%06d,企业,,工贸,联系人%d,138%08d,青峰镇基准路%d号\n", i, i % 97, i, i
        }' >"$csv"
        started=$(date +%s.%N)
        code=$(curl -sS --max-time 590 -o "$DATA/import.json" -w '%{http_code}' -b "$DATA/jar-$USERNAME" \
            -H "X-CSRF-Token: $CSRF" -F "file=@$csv;type=text/csv" "$BASE/api/v1/units/imports") || die "import request failed"
        elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
        if [[ $code != 200 ]] || ! grep -q "\"created\":$n," "$DATA/import.json" || ! grep -q '"failed":0' "$DATA/import.json"; then
            head -c 600 "$DATA/import.json" >&2; echo >&2
            die "import of rows $from-$to answered HTTP $code"
        fi
        log "$DB: imported units $from-$to in ${elapsed} s"
        echo "$DB: import of $n rows (after $SEEDED existing) took ${elapsed} s" >>"$NOTES"
        SEEDED=$to
        rm -f "$csv"
    done
}

# With a cookie, as many sessions as connections ($DATA/sessions):
#   rotate          one wrk thread; each request takes the next session in turn (the server sees the same
#                   64 sessions as with one per connection, and wrk's own cost stays that of one thread)
#   per-connection  one wrk thread per connection, each sending its own session (64 threads on one core:
#                   wrk itself then tops out near half the requests a second of one thread on /healthz)
#   shared          one session for all connections, one wrk thread (the old run)
wrk_cmd() { # route-kind path duration
    if [[ $1 == cookie && $SESSIONS == rotate ]]; then
        env WRK_COOKIES="$DATA/sessions" WRK_ROTATE=1 "${PIN_WRK[@]}" wrk -t1 -c"$CONNS" -d"$3s" --timeout 10s -s "$LUA" "$BASE$2"
    elif [[ $1 == cookie && $SESSIONS == per-connection ]]; then
        env WRK_COOKIES="$DATA/sessions" "${PIN_WRK[@]}" wrk -t"$CONNS" -c"$CONNS" -d"$3s" --timeout 10s -s "$LUA" "$BASE$2"
    elif [[ $1 == cookie ]]; then
        "${PIN_WRK[@]}" wrk -t1 -c"$CONNS" -d"$3s" --timeout 10s -s "$LUA" -H "Cookie: anjian_session=$COOKIE" "$BASE$2"
    else
        "${PIN_WRK[@]}" wrk -t1 -c"$CONNS" -d"$3s" --timeout 10s -s "$LUA" "$BASE$2"
    fi
}

check_result() { # output label [warm-up: a slow page may complete no request in it]
    local line bad
    line=$(grep '^RESULT ' <<<"$1") || { printf '%s\n' "$1" >&2; die "$2: wrk printed no RESULT line"; }
    bad=$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")
    if [[ $bad != 0 ]]; then
        grep '^FIRST_NON2XX' <<<"$1" >&2 || true
        die "$2: $bad responses were not 2xx (a 303 to /login means the session cookie was refused)"
    fi
    [[ ${3:-} == warm-up || $(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line") != 0 ]] || die "$2: no response completed (raise BENCH_DURATION)"
    printf '%s\n' "$line"
}

measure() { # units
    local units=$1 total entry name path kind out line run hwm rss_max anon_max pss idle
    total=$(listed_total)
    [[ -n $total ]] || die "could not read the unit total from /api/v1/units"
    idle=$(proc_kib VmRSS)
    echo "$DB, $units units: $total active units listed for $USERNAME; server RSS before load $(( idle / 1024 )) MiB (anon $(( $(proc_kib RssAnon) / 1024 )) MiB)" >>"$NOTES"
    for entry in "${ROUTES[@]}"; do
        IFS='|' read -r name path kind <<<"$entry"
        if [[ $kind == cookie ]]; then
            local status
            status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 30 -H "Cookie: anjian_session=$COOKIE" "$BASE$path")
            [[ $status == 200 ]] || die "GET $path with the session cookie answered $status (expected 200)"
        fi
        log "$DB/$units $name: warm-up ${WARMUP} s"
        out=$(wrk_cmd "$kind" "$path" "$WARMUP" 2>&1) || die "wrk failed: $out"
        check_result "$out" "$DB/$units $name warm-up" warm-up >/dev/null
        for run in $(seq "$RUNS"); do
            echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true   # reset VmHWM to the current RSS
            rm -f "$DATA/rss_max"
            ( max=0 amax=0
              for _ in $(seq $(( (DURATION + 10) * 5 ))); do
                  r=$(proc_kib VmRSS); [[ -n $r ]] && (( r > max )) && max=$r
                  a=$(proc_kib RssAnon); [[ -n $a ]] && (( a > amax )) && amax=$a
                  echo "$max $amax" >"$DATA/rss_max.tmp" && mv -f "$DATA/rss_max.tmp" "$DATA/rss_max"; sleep 0.2
              done ) &
            SAMPLER_PID=$!
            out=$(wrk_cmd "$kind" "$path" "$DURATION" 2>&1) || die "wrk failed: $out"
            kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
            line=$(check_result "$out" "$DB/$units $name run $run")
            hwm=$(proc_kib VmHWM)
            read -r rss_max anon_max <"$DATA/rss_max" 2>/dev/null || { rss_max=0; anon_max=0; }
            pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$SERVER_PID/smaps_rollup" 2>/dev/null || echo 0)
            kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the run"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$units" "$total" "$name" "$run" \
                "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p90_ms "$line")" "$(field p99_ms "$line")" \
                "$(field max_ms "$line")" "$hwm" "$rss_max" "${anon_max:-0}" "${pss:-0}" "$(field socket_errors "$line")" \
                "$(field requests "$line")" >>"$RAW"
            log "$DB/$units $name run $run: $(cut -d' ' -f2- <<<"$line") VmHWM=$(( hwm / 1024 ))MiB RssAnon=$(( ${anon_max:-0} / 1024 ))MiB Pss=$(( ${pss:-0} / 1024 ))MiB"
        done
    done
    echo "$DB, $units units: server RSS after all runs $(( $(proc_kib VmRSS) / 1024 )) MiB (anon $(( $(proc_kib RssAnon) / 1024 )) MiB; nothing scraped /metrics)" >>"$NOTES"
}

# ---------------------------------------------------------------------------------------------
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
PG_VERSION=""
for DB in $DATABASES; do
    DATA="$WORK/$DB"; mkdir -p "$DATA"; SEEDED=0
    case $DB in
        sqlite) DB_URL="" ;;
        postgres)
            pg_create
            PG_VERSION=$(psql -X -At "$DB_URL" -c 'SHOW server_version')
            ;;
        *) die "unknown database $DB (sqlite or postgres)" ;;
    esac
    log "$DB: loading the demo town ($BIN demo --no-serve)"
    env ANJIAN_DATA_DIR="$DATA" ANJIAN_DATABASE_URL="$DB_URL" "$BIN" demo --no-serve >>"$DATA/server.out" 2>>"$DATA/server.err" || die "anjian demo failed: $(tail -n 5 "$DATA/server.err")"
    for units in $SIZES; do
        if (( units > SEEDED )); then
            start_server free
            login "$USERNAME"
            seed_to "$units"
            stop_server
        fi
        start_server
        [[ -n $COOKIE ]] || login "$USERNAME"
        if [[ $SESSIONS != shared ]]; then
            log "$DB/$units: signing in $CONNS sessions of $USERNAME"
            new_sessions "$USERNAME" "$CONNS" "$DATA/sessions"
        fi
        measure "$units"
        stop_server
    done
    [[ $DB == postgres ]] && pg_drop
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# The report
MODE=$([[ $QUICK == 1 ]] && echo "--quick" || echo "full")

echo "# Anjian unit-list benchmark ($MODE)"
echo
if [[ $SESSIONS == rotate ]]; then
    SESSION_NOTE="signed-in routes: $CONNS distinct sessions of $USERNAME, 1 wrk thread, each request sending the next session in turn (BENCH_SESSIONS=rotate); /healthz: no session"
elif [[ $SESSIONS == per-connection ]]; then
    SESSION_NOTE="signed-in routes: $CONNS sessions of $USERNAME, one per connection ($CONNS wrk threads of one connection each, each sending its own cookie; BENCH_SESSIONS=per-connection); /healthz: 1 wrk thread, no session"
else
    SESSION_NOTE="one session of $USERNAME shared by all $CONNS connections (BENCH_SESSIONS=shared), 1 wrk thread"
fi
echo "- started $STARTED_AT; $(machine_line); binary $BIN_SRC"
echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $CONNS connections, --timeout 10s; $RUNS run(s) × ${DURATION} s after a ${WARMUP} s warm-up, per route"
echo "- sessions: $SESSION_NOTE"
echo "- pinning: $PINNING${PG_VERSION:+; PostgreSQL $PG_VERSION (its processes are not pinned and share both cores)}"
echo "- load average at start / end: $START_LOAD / $END_LOAD (the machine is shared: figures are medians)"
echo "- seeded units are 基准企业NNNNNN (企业, 工贸) imported into 青峰镇 through POST /api/v1/units/imports, ≤ $IMPORT_CHUNK rows per file"
echo
echo "Medians over the runs. p50/p90/p99 are wrk's latency percentiles. Memory of the server process:"
echo "RSS peak = VmHWM during the run (reset through /proc/PID/clear_refs before each run); it counts a file"
echo "page once per mapping, so SQLite's mmap (one mapping per pooled connection) can inflate it far beyond"
echo "real use. anon peak = highest RssAnon sampled every 0.2 s (heap: what the process itself allocates);"
echo "PSS = proportional set size at the end of the run (shared file pages counted once)."
echo
echo "| database | units (listed) | route | req/s | req/s min–max | p50 ms | p90 ms | p99 ms | RSS peak MiB | anon peak MiB | PSS MiB | socket errors |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    k = $1 SUBSEP $2 SUBSEP $4
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k; total[k] = $3 }
    rps[k] = rps[k] " " $6; p50[k] = p50[k] " " $7; p90[k] = p90[k] " " $8; p99[k] = p99[k] " " $9
    hwm[k] = hwm[k] " " $11; anon[k] = anon[k] " " $13; pss[k] = pss[k] " " $14; errs[k] += $15
    if (!(k in lo) || $6 + 0 < lo[k]) lo[k] = $6 + 0
    if (!(k in hi) || $6 + 0 > hi[k]) hi[k] = $6 + 0
}
END {
    for (i = 1; i <= nk; i++) {
        k = order[i]; split(k, f, SUBSEP)
        printf "| %s | %d (%d) | %s | %.0f | %.0f–%.0f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %d |\n", f[1], f[2], total[k], f[3],
            median(rps[k]), lo[k], hi[k], median(p50[k]), median(p90[k]), median(p99[k]),
            median(hwm[k]) / 1024, median(anon[k]) / 1024, median(pss[k]) / 1024, errs[k]
    }
}' "$RAW"
echo
if grep -q $'^sqlite\t1000\t[0-9]*\tunits\t' "$RAW"; then
    awk -F'\t' '$1 == "sqlite" && $2 == 1000 && $4 == "units" { r = r " " $6; p = p " " $9 }
    function median(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { mr = median(r); mp = median(p)
          printf "Targets (SQLite, 1,000 units, GET /units): p99 < 20 ms: %s (%.2f ms); ≥ 3,000 req/s: %s (%.0f req/s)\n",
              (mp < 20 ? "met" : "NOT met"), mp, (mr >= 3000 ? "met" : "NOT met"), mr }' "$RAW"
    echo
fi
echo "Notes:"
sed 's/^/- /' "$NOTES"
echo
echo "Commands (each cookie is one of the organiser's sessions from POST /api/v1/session; PORT=$PORT):"
echo
echo '```'
echo "anjian demo --no-serve        # with ANJIAN_DATA_DIR=<temp dir> [ANJIAN_DATABASE_URL=$PG_URL/anjian_bench_<pid>]"
echo "curl -c jar -H 'Content-Type: application/json' -d '{\"username\":\"$USERNAME\",\"password\":\"…\"}' $BASE/api/v1/session"
echo "curl -b jar -H 'X-CSRF-Token: <csrf_token>' -F 'file=@units.csv;type=text/csv' $BASE/api/v1/units/imports   # per 10,000 rows"
echo "ANJIAN_DATA_DIR=<temp dir> ANJIAN_LISTEN=$HOST:$PORT ANJIAN_RUN_WORKER=false ANJIAN_IMPORT_MAX_MIB=64 ANJIAN_SHUTDOWN_GRACE_SECONDS=5 ${PIN_SERVER[*]} anjian serve"
for entry in "${ROUTES[@]}"; do
    IFS='|' read -r name path kind <<<"$entry"
    if [[ $kind == cookie && $SESSIONS == rotate ]]; then
        echo "WRK_COOKIES=sessions.txt WRK_ROTATE=1 ${PIN_WRK[*]} wrk -t1 -c$CONNS -d${DURATION}s --timeout 10s -s bench/wrk-report.lua '$BASE$path'   # sessions.txt: $CONNS tokens, one a line"
    elif [[ $kind == cookie && $SESSIONS == per-connection ]]; then
        echo "WRK_COOKIES=sessions.txt ${PIN_WRK[*]} wrk -t$CONNS -c$CONNS -d${DURATION}s --timeout 10s -s bench/wrk-report.lua '$BASE$path'   # sessions.txt: $CONNS tokens, one a line"
    else
        hdr=""; [[ $kind == cookie ]] && hdr="-H 'Cookie: anjian_session=<token>' "
        echo "${PIN_WRK[*]} wrk -t1 -c$CONNS -d${DURATION}s --timeout 10s -s bench/wrk-report.lua $hdr'$BASE$path'"
    fi
done
echo '```'
echo
echo "<details><summary>Every run (database, units, listed, route, run, req/s, p50, p90, p99, max ms, VmHWM KiB, sampled max VmRSS KiB, sampled max RssAnon KiB, Pss KiB at the end, socket errors, requests)</summary>"
echo
echo '```'
cat "$RAW"
echo '```'
echo "</details>"
