#!/usr/bin/env bash
# Load benchmark of hazard reports on loopback, on SQLite and PostgreSQL, with 10,000 reports stored:
#   intake        POST /api/v1/public/reports, JSON, no attachment; every report committed before the answer
#   intake+photo  POST /report (the public form, multipart) with a phone-sized JPEG: the cleaning path (the
#                 photo decoded, turned upright, written anew without metadata, stored) — every request's
#                 photo is different, so every one is cleaned and stored anew
#   list (kept)   GET /open311/v2/requests.json?page_size=20, the newest 20: the server keeps each list for
#                 one second (web::open311::ListCache), so nearly every answer comes from that cache
#   list (uncached) the same list with `&_bench=<n>` added, a different URL every request: the cache is keyed
#                 by the URL, so every answer is read from the database (the parameter is ignored otherwise)
# at 16 and 64 connections (intake+photo at 2, 30 s a run: a photo takes the server's core for over a
# second). Also the server's CPU use and memory (RSS at the run's end, peak RSS) during each route. The
# stored reports are made by crates/anjian/examples/seed_reports.rs.
#
#   bench/reports.sh           everything: sqlite & postgres × the four routes × 16 & 64 connections; 3 runs × 10 s
#   bench/reports.sh --quick   smoke check: sqlite only, 1 run × 5 s, 16 connections (the photo: 2, 20 s)
#
# Prints a Markdown report (medians over the runs) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_DATABASES="sqlite postgres", BENCH_REPORTS=10000, BENCH_CONNECTIONS="16 64",
# BENCH_PHOTO_CONNECTIONS=2, BENCH_PHOTO_DURATION=30 (20 quick), BENCH_PHOTO_SIZE=4032x3024 (made by
# bench/make-photo.py: python3 and cjpeg, Debian package libjpeg-turbo-progs), BENCH_PHOTO=FILE (a baseline
# JPEG of your own instead),
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
        -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
PHOTO_CONNECTIONS=${BENCH_PHOTO_CONNECTIONS:-2}
if [[ $QUICK == 1 ]]; then PHOTO_DURATION=${BENCH_PHOTO_DURATION:-20}; else PHOTO_DURATION=${BENCH_PHOTO_DURATION:-30}; fi
PHOTO_SIZE=${BENCH_PHOTO_SIZE:-4032x3024}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${BENCH_PG_ADMIN_DB:-test}
PG_DB="anjian_reports_$$"
NAME=reports; EXAMPLE=seed_reports; PORT_BASE=18600
SERVER_ENV=(ANJIAN_REPORTS_PER_HOUR=0 ANJIAN_LOG=warn)
for n in $RUNS $DURATION $WARMUP $REPORTS $CONNECTIONS $PHOTO_CONNECTIONS $PHOTO_DURATION; do [[ $n =~ ^[0-9]+$ ]] || { echo "reports.sh: not a number: $n" >&2; exit 2; }; done
[[ $PHOTO_SIZE =~ ^[0-9]+x[0-9]+$ ]] || { echo "reports.sh: BENCH_PHOTO_SIZE is WIDTHxHEIGHT" >&2; exit 2; }
[[ -n ${BENCH_PHOTO:-} ]] || TOOLS="curl wrk awk sed python3 cjpeg"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
RAW="$WORK/raw.tsv"; : >"$RAW"
NOTES="$WORK/notes.txt"; : >"$NOTES"

# The photo: a phone's (12 MP, about 4 MB at quality 90, with EXIF: make, model, time, GPS).
PHOTO="$WORK/photo.jpg"
if [[ -n ${BENCH_PHOTO:-} ]]; then
    cp "$BENCH_PHOTO" "$PHOTO"
else
    log "making a ${PHOTO_SIZE} test photo"
    python3 "$BENCH_DIR/make-photo.py" "${PHOTO_SIZE%x*}" "${PHOTO_SIZE#*x}" "$PHOTO" || die "could not make the photo"
fi
PHOTO_BYTES=$(stat -c %s "$PHOTO")

# CPU seconds (user + system) the server has used.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"; }
# Waits (at most 60 s) until the server used under 5 % of a core over half a second: requests that wrk
# left in flight when it stopped (a photo takes seconds) must not run into the next measurement.
wait_idle() {
    local a b
    for _ in $(seq 120); do
        a=$(cpu_seconds); sleep 0.5; b=$(cpu_seconds)
        awk -v a="$a" -v b="$b" 'BEGIN { exit !((b - a) / 0.5 < 0.05) }' && return 0
    done
    log "the server did not become idle within 60 s"
}
blob_count() { { find "$DATA/files/blobs" -type f 2>/dev/null || true; } | wc -l; }

SEQ=0   # the photo's variant counter, carried across wrk runs so no photo repeats
run_wrk() { # kind path connections seconds
    local timeout=10s extra=()
    case $1 in
        intake) extra=(env WRK_METHOD=POST WRK_BODY="$BODY") ;;
        photo) extra=(env WRK_PHOTO="$PHOTO" WRK_FORM="$WORK/form.txt" WRK_SEQ="$SEQ"); timeout=60s ;;
        list) extra=(env) ;;
        uncached) extra=(env WRK_VARY=_bench WRK_RUN="r$RANDOM$RANDOM") ;;
    esac
    "${extra[@]}" "${PIN_WRK[@]}" wrk -t1 -c"$3" -d"$4s" --timeout "$timeout" -s "$LUA" "$BASE$2" 2>&1
}
first_id() { curl -sS --max-time 30 "$BASE$1" | grep -o '"service_request_id":"[^"]*"' | head -n1; }

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ); START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for DB in $DATABASES; do
    DATA="$WORK/$DB"; mkdir -p "$DATA"
    case $DB in
        sqlite) DB_URL="" ;;
        postgres) pg_create ;;
        *) die "unknown database $DB" ;;
    esac
    log "$DB: seeding $REPORTS reports"
    t0=$(date +%s.%N)
    TOWN=$(env ANJIAN_DATA_DIR="$DATA" ANJIAN_DATABASE_URL="$DB_URL" "$SEEDER" "$REPORTS" 2>"$DATA/seed.err") \
        || die "seeding failed: $(tail -n 5 "$DATA/seed.err")"
    log "$DB: seeded in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
    start_server
    BODY="{\"town_id\":\"$TOWN\",\"category\":\"fire_safety\",\"description\":\"仓库消防通道被货物堵塞，灭火器过期\",\"location\":\"青峰场社区老街\"}"
    printf '%s\n' "town=$TOWN" "category=fire_safety" "description=仓库消防通道被货物堵塞，灭火器过期，见照片" \
        "location=青峰场社区老街" "anonymous=1" >"$WORK/form.txt"
    listed=$(curl -sS --max-time 30 "$BASE/open311/v2/requests.json?page_size=20" | grep -o '"service_request_id"' | wc -l)
    (( listed == 20 )) || die "the public list shows $listed requests, expected 20"
    # The varying parameter must leave the answer the newest page: after a new report, a URL not seen
    # before shows it first.
    old=$(first_id "/open311/v2/requests.json?page_size=20&_bench=check1")
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' -d "$BODY" "$BASE/api/v1/public/reports")
    [[ $code == 201 ]] || die "a report answered $code"
    new=$(first_id "/open311/v2/requests.json?page_size=20&_bench=check2")
    listed=$(curl -sS --max-time 30 "$BASE/open311/v2/requests.json?page_size=20&_bench=check3" | grep -o '"service_request_id"' | wc -l)
    [[ -n $new && $new != "$old" && $listed == 20 ]] || die "the list with a varying parameter is not the newest 20 ($old → $new, $listed listed)"

    for route in "intake|/api/v1/public/reports" "photo|/report" "list|/open311/v2/requests.json?page_size=20" \
                 "uncached|/open311/v2/requests.json?page_size=20"; do
        IFS='|' read -r name path <<<"$route"
        conn_list=$CONNECTIONS; [[ $name == photo ]] && conn_list=$PHOTO_CONNECTIONS
        for conns in $conn_list; do
            secs=$DURATION; [[ $name == photo ]] && secs=$PHOTO_DURATION
            wait_idle; blobs0=$(blob_count); done_requests=0
            out=$(run_wrk "$name" "$path" "$conns" "$WARMUP"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
            SEQ=$(( SEQ + 2048 ))
            [[ $(field non2xx "$line") == 0 ]] || die "$DB $name warm-up: responses that were not 2xx: $out"
            done_requests=$(( done_requests + $(field requests "$line") ))
            for run in $(seq "$RUNS"); do
                wait_idle
                cpu0=$(cpu_seconds); w0=$(date +%s.%N)
                out=$(run_wrk "$name" "$path" "$conns" "$secs"); line=$(grep '^RESULT ' <<<"$out") || die "wrk: $out"
                SEQ=$(( SEQ + 2048 ))
                cpu=$(awk -v a="$cpu0" -v b="$(cpu_seconds)" -v s="$w0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", 100 * (b - a) / (e - s) }')
                [[ $(field non2xx "$line") == 0 ]] || die "$DB $name: responses that were not 2xx: $out"
                done_requests=$(( done_requests + $(field requests "$line") ))
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$name" "$conns" "$run" \
                    "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$cpu" \
                    "$(proc_kib VmRSS)" "$(proc_kib VmHWM)" "$(field socket_errors "$line")" >>"$RAW"
                log "$DB $name c=$conns run $run: $(cut -d' ' -f2- <<<"$line") cpu=${cpu}%"
            done
            if [[ $name == photo ]]; then
                wait_idle   # requests still in flight when wrk stopped
                stored=$(( $(blob_count) - blobs0 ))
                echo "$DB, intake+photo at $conns connections: $done_requests photo reports answered by wrk, $stored new photos stored (each cleaned photo distinct, so none was deduplicated)" >>"$NOTES"
                (( stored >= done_requests )) || die "only $stored new photos stored for $done_requests photo reports: some were deduplicated"
            fi
        done
    done
    stop_server
    [[ $DB == postgres ]] && pg_drop
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# Anjian hazard-report benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- started $STARTED_AT; $(machine_line)"
echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); 1 wrk thread; $RUNS run(s) × ${DURATION} s after ${WARMUP} s warm-up"
echo "- pinning: $PINNING; load average start / end: $START_LOAD / $END_LOAD (shared machine: medians)"
echo "- data: the demo town and $REPORTS reports (one in ten named) before the first run; intake adds more"
echo "- intake+photo: POST /report, multipart, one ${PHOTO_SIZE} JPEG of $(( PHOTO_BYTES / 1024 )) KiB with EXIF (GPS) per report, a different one each request;"
echo "  $RUNS run(s) × ${PHOTO_DURATION} s at $PHOTO_CONNECTIONS connection(s), wrk timeout 60 s; few requests a run, so p99 is the slowest"
echo "- before every run the script waits until the server is idle (requests left in flight by the previous run finished)"
echo "- list (kept 1 s): the server's one-second list cache answers; list (uncached): a different URL each request (\`&_bench=<n>\`), every answer read from the database"
echo "- server CPU: % of one core over the run (the server is pinned to one core); memory: RSS at the run's end, peak RSS so far"
echo
echo "| database | route | connections | req/s | req/s min–max | p50 ms | p99 ms | p99 min–max | server CPU % | RSS MiB | peak RSS MiB | socket errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
BEGIN { label["intake"] = "intake (JSON, no file)"; label["photo"] = "intake+photo (form, cleaned)"
        label["list"] = "list (kept 1 s, cached)"; label["uncached"] = "list (uncached: URL varies)" }
{
    k = $1 SUBSEP $2 SUBSEP $3
    if (!(k in seen)) { order[++n] = k; seen[k] = 1 }
    rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; cpu[k] = cpu[k] " " $8
    rss[k] = $9; hwm[k] = $10; errs[k] += $11
    if (!(k in rlo) || $5 + 0 < rlo[k]) rlo[k] = $5 + 0
    if (!(k in rhi) || $5 + 0 > rhi[k]) rhi[k] = $5 + 0
    if (!(k in plo) || $7 + 0 < plo[k]) plo[k] = $7 + 0
    if (!(k in phi) || $7 + 0 > phi[k]) phi[k] = $7 + 0
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        printf "| %s | %s | %d | %.1f | %.1f–%.1f | %.2f | %.2f | %.2f–%.2f | %.0f | %.1f | %.1f | %d |\n", p[1], label[p[2]], p[3], median(rps[k]),
            rlo[k], rhi[k], median(p50[k]), median(p99[k]), plo[k], phi[k], median(cpu[k]), rss[k] / 1024, hwm[k] / 1024, errs[k]
    }
}' "$RAW"
echo
echo "Notes:"
sed 's/^/- /' "$NOTES"
echo
echo "<details><summary>Every run (database, route, connections, run, req/s, p50 ms, p99 ms, CPU %, RSS KiB, peak RSS KiB, socket errors)</summary>"
echo
echo '```'
cat "$RAW"
echo '```'
echo "</details>"
