# Shared scaffolding of the load benchmarks that seed a database and serve it (board.sh, reports.sh).
# The caller sets NAME (log prefix, temp dir), EXAMPLE (the seeding example), DATABASES, PG_URL,
# PG_ADMIN_DB, PG_DB, PORT_BASE and SERVER_ENV (extra KEY=VALUE for the server), then sources this file:
# it checks the tools, pins the server and wrk to separate cores, takes the benchmarks' lock, makes the
# temp dir $WORK, builds and copies $BIN and $SEEDER, finds a free $PORT and defines start_server,
# stop_server, field and the clean-up on exit.

HOST=127.0.0.1
log() { printf '[%s %s] %s\n' "$NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] FAILED: %s\n' "$NAME" "$*" >&2; exit 1; }
for tool in curl wrk awk sed; do command -v "$tool" >/dev/null || die "$tool is not installed (wrk: apt-get install -y wrk)"; done
PIN_SERVER=(); PIN_WRK=(); PINNING="none (taskset not found)"
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
    PIN_SERVER=(taskset -c 0); PIN_WRK=(taskset -c 1)
    PINNING="server on core 0, wrk on core 1 (taskset); PostgreSQL unpinned"
fi
if [[ " $DATABASES " == *" postgres "* ]]; then
    psql -X -q "$PG_URL/$PG_ADMIN_DB" -c 'SELECT 1' >/dev/null 2>&1 || die "PostgreSQL not reachable at $PG_URL/$PG_ADMIN_DB"
fi
if command -v flock >/dev/null; then
    exec 9>"${TMPDIR:-/tmp}/anjian-bench.lock"
    flock -w 1800 9 || die "another benchmark holds the lock"
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
cleanup() {
    local rc=$?
    stop_server
    [[ $PG_CREATED == 1 ]] && psql -X -q "$PG_URL/$PG_ADMIN_DB" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
    if [[ ${BENCH_KEEP:-0} == 1 || $rc != 0 ]]; then log "temp files kept in $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The release binary and the seeding example, copied so that a rebuild during the run changes nothing.
log "building: cargo build --release -p anjian --bin anjian --example $EXAMPLE"
EXES=$(cd "$ROOT" && cargo build --release -p anjian --bin anjian --example "$EXAMPLE" --message-format=json-render-diagnostics \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p') || die "cargo build failed"
BIN=$(grep '/anjian$' <<<"$EXES" | tail -n1); SEEDER=$(grep "/$EXAMPLE\$" <<<"$EXES" | tail -n1)
[[ -x $BIN && -x $SEEDER ]] || die "no binaries (got: $EXES)"
cp "$BIN" "$WORK/anjian"; cp "$SEEDER" "$WORK/$EXAMPLE"; BIN="$WORK/anjian"; SEEDER="$WORK/$EXAMPLE"
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=""
for p in $(seq "${BENCH_PORT:-$PORT_BASE}" $(( ${BENCH_PORT:-$PORT_BASE} + 99 ))); do port_free "$p" && { PORT=$p; break; }; done
[[ -n $PORT ]] || die "no free port"
BASE="http://$HOST:$PORT"

# Serves $DATA with $DB_URL, pinned, until /healthz answers.
start_server() {
    env ANJIAN_DATA_DIR="$DATA" ANJIAN_LISTEN="$HOST:$PORT" ANJIAN_DATABASE_URL="$DB_URL" ANJIAN_RUN_WORKER=false \
        "${SERVER_ENV[@]}" "${PIN_SERVER[@]}" "$BIN" serve >>"$DATA/server.out" 2>>"$DATA/server.err" 9>&- &
    SERVER_PID=$!
    for _ in $(seq 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$DATA/server.err" >&2; die "the server exited while starting"; }
        curl -sf -o /dev/null --max-time 1 "$BASE/healthz" && return 0
        sleep 0.2
    done
    die "the server did not answer /healthz within 60 s"
}

# A value from wrk-report.lua's RESULT line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
