#!/usr/bin/env bash
# Upload benchmark: a 1 GiB video sent by the liaison on loopback, two ways — in 8 MiB parts through
# /api/v1/uploads (what the page's script does; resumable) and as one multipart POST to /api/v1/files —
# with throughput and the server's memory: resident set before, peak during (VmHWM, reset first), and
# the growth. SQLite; the file store is the local directory.
#
#   bench/upload.sh            3 runs of each, 1 GiB
#   bench/upload.sh --quick    1 run of each, 256 MiB
#
# Prints a Markdown report (medians) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_MIB=1024, BENCH_PART_MIB=8, BENCH_RUNS=3, BENCH_PORT, BENCH_KEEP=1.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "upload.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
if [[ $QUICK == 1 ]]; then MIB=${BENCH_MIB:-256}; RUNS=${BENCH_RUNS:-1}; else MIB=${BENCH_MIB:-1024}; RUNS=${BENCH_RUNS:-3}; fi
PART_MIB=${BENCH_PART_MIB:-8}
HOST=127.0.0.1
log() { printf '[upload %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[upload] FAILED: %s\n' "$*" >&2; exit 1; }
for tool in curl awk sed dd; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
for n in $MIB $PART_MIB $RUNS; do [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"; done
if command -v flock >/dev/null; then exec 9>"${TMPDIR:-/tmp}/anjian-bench.lock"; flock -w 1800 9 || die "another benchmark holds the lock"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/anjian-upload.XXXXXX")
DATA="$WORK/data"; mkdir -p "$DATA"
RAW="$WORK/raw.tsv"; : >"$RAW"
SERVER_PID=""
cleanup() {
    local rc=$?
    [[ -n $SERVER_PID ]] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; }
    if [[ ${BENCH_KEEP:-0} == 1 || $rc != 0 ]]; then log "temp files kept in $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building: cargo build --release -p anjian"
BIN=$(cd "$ROOT" && cargo build --release -p anjian --bin anjian --message-format=json-render-diagnostics \
    | sed -n 's/.*"executable":"\([^"]*\/anjian\)".*/\1/p' | tail -n1) || die "cargo build failed"
cp "$BIN" "$WORK/anjian"; BIN="$WORK/anjian"
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=""; for p in $(seq "${BENCH_PORT:-18600}" $(( ${BENCH_PORT:-18600} + 99 ))); do port_free "$p" && { PORT=$p; break; }; done
[[ -n $PORT ]] || die "no free port"
BASE="http://$HOST:$PORT"
ENVS=(ANJIAN_DATA_DIR="$DATA" ANJIAN_LISTEN="$HOST:$PORT" ANJIAN_UPLOAD_MAX_MIB=$(( MIB + 64 )) ANJIAN_RUN_WORKER=false)
env "${ENVS[@]}" "$BIN" demo --no-serve >"$WORK/demo.out" 2>&1 || die "demo load failed"
env "${ENVS[@]}" "$BIN" serve >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null --max-time 1 "$BASE/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "$BASE/healthz" || die "the server did not start"

body=$(curl -sS -c "$WORK/jar" -H 'Content-Type: application/json' -d '{"username":"qf.liaison","password":"Anjian-demo-2026"}' "$BASE/api/v1/session")
CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' <<<"$body"); [[ -n $CSRF ]] || die "login failed: $body"

# A video: an MP4 header, then random bytes (incompressible, like real footage).
FILE="$WORK/video.mp4"
log "writing a $MIB MiB test video"
{ printf '\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom'; head -c $(( MIB * 1048576 - 24 )) /dev/urandom; } >"$FILE"
SIZE=$(stat -c %s "$FILE")
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }

for run in $(seq "$RUNS"); do
    for how in parts multipart; do
        echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
        before=$(kib "$SERVER_PID" VmRSS)
        t0=$(now)
        if [[ $how == parts ]]; then
            id=$(curl -sS -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
                -d "{\"name\":\"宣传视频.mp4\",\"size\":$SIZE}" "$BASE/api/v1/uploads" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
            [[ -n $id ]] || die "could not begin the upload"
            offset=0; part=$(( PART_MIB * 1048576 )); code=""
            while (( offset < SIZE )); do
                code=$(dd if="$FILE" iflag=skip_bytes,count_bytes skip="$offset" count="$part" bs=1M status=none | curl -sS -o "$WORK/part.json" -w '%{http_code}' \
                    -X PATCH -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H "Upload-Offset: $offset" \
                    -H 'Content-Type: application/offset+octet-stream' --data-binary @- "$BASE/api/v1/uploads/$id")
                [[ $code == 200 || $code == 201 ]] || die "part at $offset answered $code: $(head -c 300 "$WORK/part.json")"
                offset=$(sed -n 's/.*"offset":\([0-9]*\).*/\1/p' "$WORK/part.json")
            done
            [[ $code == 201 ]] || die "the last part did not store the file"
        else
            code=$(curl -sS -o "$WORK/file.json" -w '%{http_code}' -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" \
                -F "file=@$FILE;type=video/mp4;filename=宣传视频.mp4" "$BASE/api/v1/files")
            [[ $code == 201 ]] || die "multipart upload answered $code: $(head -c 300 "$WORK/file.json")"
        fi
        t1=$(now)
        peak=$(kib "$SERVER_PID" VmHWM); after=$(kib "$SERVER_PID" VmRSS)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        mbs=$(awk -v s="$SIZE" -v t="$secs" 'BEGIN { printf "%.1f", s / 1048576 / t }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$how" "$run" "$secs" "$mbs" "$before" "$peak" "$after" >>"$RAW"
        log "$how run $run: ${secs} s, ${mbs} MiB/s, RSS before $(( before / 1024 )) MiB, peak $(( peak / 1024 )) MiB, after $(( after / 1024 )) MiB"
    done
done

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "# Anjian upload benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- commit $GIT_REV; $(uname -sr); $(nproc) × ${CPU:-unknown CPU}; data dir on $(df -h "$WORK" | awk 'NR == 2 { print $1 }')"
echo "- one $MIB MiB MP4 (random bytes), curl on loopback, the liaison's session; parts of $PART_MIB MiB; $RUNS run(s) each"
echo "- the time includes hashing, fsync, sniffing and the database row; growth = peak RSS (VmHWM) − RSS before"
echo
echo "| how | MiB/s (median) | seconds (median) | RSS before MiB | peak MiB | growth MiB (max) |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F'\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    if (!($1 in seen)) { order[++n] = $1; seen[$1] = 1 }
    secs[$1] = secs[$1] " " $3; mbs[$1] = mbs[$1] " " $4
    if (!($1 in before)) before[$1] = $5
    if ($6 + 0 > peak[$1] + 0) peak[$1] = $6
    g = $6 - $5; if (g > growth[$1] + 0) growth[$1] = g
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]
        printf "| %s | %.1f | %.2f | %.0f | %.0f | %.0f |\n", k, median(mbs[k]), median(secs[k]), before[k] / 1024, peak[k] / 1024, growth[k] / 1024
    }
}' "$RAW"
