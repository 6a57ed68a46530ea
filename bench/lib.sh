# Shared scaffolding of the benchmarks (units.sh, board.sh, reports.sh, upload.sh).
# The caller sets NAME (log prefix, temp dir), DATABASES, PORT_BASE and SERVER_ENV (extra KEY=VALUE for
# the server), and may set EXAMPLE (a seeding example to build beside the binary), PG_URL, PG_ADMIN_DB,
# PG_DB (for PostgreSQL) and TOOLS (the commands it needs; "curl wrk awk sed" unless told), then sources
# this file: it checks the tools, pins the server and wrk to separate cores, takes the benchmarks' lock,
# makes the temp dir $WORK, builds and copies $BIN (and $SEEDER), finds a free $PORT and defines the
# helpers below and the clean-up on exit. A caller's function bench_on_exit, if any, runs first on exit.
#
# Helpers: start_server [free] (pinned unless "free"), stop_server, pg_create / pg_drop, login USER,
# new_sessions USER N FILE, proc_kib KEY, field NAME LINE, stats (numbers on stdin → "median p99 min
# max n"), machine_line. Knobs every script takes: BENCH_BIN, BENCH_REV, BENCH_PORT, BENCH_KEEP.

HOST=127.0.0.1
PASSWORD=${BENCH_PASSWORD:-Anjian-demo-2026}   # the demo town's accounts
log() { printf '[%s %s] %s\n' "$NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] FAILED: %s\n' "$NAME" "$*" >&2; exit 1; }
for tool in ${TOOLS:-curl wrk awk sed}; do command -v "$tool" >/dev/null || die "$tool is not installed (wrk: apt-get install -y wrk)"; done
PIN_SERVER=(); PIN_WRK=(); PINNING="none (taskset not found)"
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
    PIN_SERVER=(taskset -c 0); PIN_WRK=(taskset -c 1)
    PINNING="server on core 0, load generator on core 1 (taskset); PostgreSQL unpinned"
fi
if [[ " $DATABASES " == *" postgres "* ]]; then
    command -v psql >/dev/null || die "psql is needed for PostgreSQL (or set BENCH_DATABASES=sqlite)"
    psql -X -q "$PG_URL/$PG_ADMIN_DB" -c 'SELECT 1' >/dev/null 2>&1 || die "PostgreSQL not reachable at $PG_URL/$PG_ADMIN_DB"
fi
# One benchmark at a time on this machine: two would share core 0 and spoil each other's figures.
if command -v flock >/dev/null; then
    exec 9>"${TMPDIR:-/tmp}/anjian-bench.lock"
    if ! flock -n 9; then
        log "another benchmark is running; waiting for it (at most 30 minutes)"
        flock -w 1800 9 || die "gave up waiting for the other benchmark"
    fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/anjian-$NAME.XXXXXX")
SERVER_PID=""; PG_CREATED=0
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
pg_create() { # sets DB_URL to a fresh database $PG_DB
    psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create database $PG_DB"
    PG_CREATED=1; DB_URL="$PG_URL/$PG_DB"
}
pg_drop() {
    [[ $PG_CREATED == 1 ]] || return 0
    psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 \
        || log "could not drop database $PG_DB: drop it by hand"
    PG_CREATED=0
}
cleanup() {
    local rc=$?
    if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
    stop_server
    pg_drop
    if [[ ${BENCH_KEEP:-0} == 1 || $rc != 0 ]]; then log "temp files kept in $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The release binary (and the seeding example), copied so that a rebuild during the run changes nothing.
# BENCH_BIN: use this binary as it is (and the example beside it, in examples/, as cargo lays them out);
# BENCH_REV: the commit it was built from, for the report.
if [[ -n ${BENCH_BIN:-} ]]; then
    BIN=$BENCH_BIN
    if [[ -n ${EXAMPLE:-} ]]; then
        SEEDER="$(dirname "$BENCH_BIN")/examples/$EXAMPLE"
        [[ -x $SEEDER ]] || die "BENCH_BIN is set but $SEEDER is missing (build it: cargo build --release -p anjian --example $EXAMPLE)"
        cp "$SEEDER" "$WORK/$EXAMPLE"; SEEDER="$WORK/$EXAMPLE"
    fi
else
    log "building: cargo build --release -p anjian --bin anjian ${EXAMPLE:+--example $EXAMPLE} (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-<default>})"
    EXES=$(cd "$ROOT" && cargo build --release -p anjian --bin anjian ${EXAMPLE:+--example "$EXAMPLE"} --message-format=json-render-diagnostics \
        | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p') || die "cargo build failed"
    BIN=$(grep '/anjian$' <<<"$EXES" | tail -n1)
    if [[ -n ${EXAMPLE:-} ]]; then
        SEEDER=$(grep "/$EXAMPLE\$" <<<"$EXES" | tail -n1)
        [[ -x $SEEDER ]] || die "no $EXAMPLE example (got: $EXES)"
        cp "$SEEDER" "$WORK/$EXAMPLE"; SEEDER="$WORK/$EXAMPLE"
    fi
fi
[[ -n $BIN && -x $BIN ]] || die "no anjian binary (looked for ${BIN:-nothing})"
BIN_SRC=$BIN; cp "$BIN" "$WORK/anjian"; BIN="$WORK/anjian"
BIN_SUM=$(sha256sum "$BIN" | cut -c1-12)
if [[ -n ${BENCH_REV:-} ]]; then
    GIT_REV="$BENCH_REV (BENCH_REV)"
else
    GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1) ]] && GIT_REV="$GIT_REV (with uncommitted changes)"
    [[ -n ${BENCH_BIN:-} ]] && GIT_REV="$GIT_REV (tree; the binary is BENCH_BIN)"
fi

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=""
for p in $(seq "${BENCH_PORT:-$PORT_BASE}" $(( ${BENCH_PORT:-$PORT_BASE} + 99 ))); do port_free "$p" && { PORT=$p; break; }; done
[[ -n $PORT ]] || die "no free port"
BASE="http://$HOST:$PORT"

# Serves $DATA with $DB_URL until /healthz answers; pinned to core 0 unless the argument is "free".
start_server() {
    local pin=("${PIN_SERVER[@]}")
    [[ ${1:-} == free ]] && pin=()
    port_free "$PORT" || die "port $PORT is taken by another process"
    # A simple command: $! is the process that env and taskset exec into, i.e. anjian itself.
    env ANJIAN_DATA_DIR="$DATA" ANJIAN_LISTEN="$HOST:$PORT" ANJIAN_DATABASE_URL="$DB_URL" ANJIAN_RUN_WORKER=false \
        "${SERVER_ENV[@]}" "${pin[@]}" "$BIN" serve >>"$DATA/server.out" 2>>"$DATA/server.err" 9>&- &
    SERVER_PID=$!
    for _ in $(seq 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$DATA/server.err" >&2; die "the server exited while starting"; }
        if curl -sf -o /dev/null --max-time 1 "$BASE/healthz"; then
            [[ $(cat "/proc/$SERVER_PID/comm" 2>/dev/null) == anjian ]] || die "pid $SERVER_PID is not the anjian process"
            return 0
        fi
        sleep 0.2
    done
    die "the server did not answer /healthz within 60 s"
}

# Signs USER in: COOKIE (the session token) and CSRF; the cookie jar is $DATA/jar-USER.
COOKIE=""; CSRF=""
login() {
    local body jar="$DATA/jar-$1"
    body=$(curl -sS --max-time 30 -c "$jar" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session") || die "login request failed"
    CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' <<<"$body")
    COOKIE=$(awk '$6 == "anjian_session" { print $7 }' "$jar")
    [[ -n $COOKIE && -n $CSRF ]] || die "login as $1 gave no session: $body"
}
# N separate sessions of USER, one token a line in FILE (for wrk-report.lua's WRK_COOKIES).
new_sessions() {
    local i jar="$DATA/jar-sessions"
    : >"$3"
    for i in $(seq "$2"); do
        curl -sS --max-time 30 -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
            -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session" || die "login $i of $1 failed"
        awk '$6 == "anjian_session" { print $7 }' "$jar" >>"$3"
    done
    [[ $(sort -u "$3" | grep -c .) == "$2" ]] || die "expected $2 distinct sessions of $1, got $(sort -u "$3" | grep -c .)"
}

# A value (KiB) from the server's /proc status: VmRSS, VmHWM, RssAnon.
proc_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/${2:-$SERVER_PID}/status" 2>/dev/null || echo 0; }
# A value from wrk-report.lua's RESULT line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# Numbers on stdin (one a line) → "median p99 min max n" (p99: nearest rank).
stats() {
    sort -g | awk '{ v[++n] = $1 } END {
        if (n == 0) { print "0 0 0 0 0"; exit }
        m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        r = int(0.99 * n + 0.999999); if (r < 1) r = 1; if (r > n) r = n
        print m, v[r], v[1], v[n], n }'
}
machine_line() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
    echo "commit $GIT_REV; binary sha256 $BIN_SUM…; $(uname -sr); $(nproc) × ${cpu:-unknown CPU}"
}
