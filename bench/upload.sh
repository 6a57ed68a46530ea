#!/usr/bin/env bash
# Upload benchmark: a 1 GiB video sent by the liaison on loopback, two ways — in 8 MiB parts through
# /api/v1/uploads (what the page's script does; resumable) and as one multipart POST to /api/v1/files —
# with throughput and the server's memory: resident set before, peak during (VmHWM, reset first), and
# the growth. SQLite; the file store is the local directory. Every upload sends different bytes (1 MiB
# of the file is rewritten before each), so none is deduplicated by the content-addressed store.
#
#   bench/upload.sh            3 runs of each, 1 GiB
#   bench/upload.sh --quick    1 run of each, 256 MiB
#
# Prints a Markdown report (medians) on stdout; progress goes to stderr.
# Knobs (environment): BENCH_MIB=1024, BENCH_PART_MIB=8, BENCH_RUNS=3, BENCH_PORT, BENCH_KEEP=1, BENCH_BIN, BENCH_REV.
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
for n in $MIB $PART_MIB $RUNS; do [[ $n =~ ^[0-9]+$ ]] || { echo "upload.sh: not a number: $n" >&2; exit 2; }; done
NAME=upload; PORT_BASE=18700; DATABASES=sqlite; EXAMPLE=""; TOOLS="curl awk sed dd split"
SERVER_ENV=(ANJIAN_UPLOAD_MAX_MIB=$(( MIB + 64 )))
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
DATA="$WORK/data"; mkdir -p "$DATA"; DB_URL=""
RAW="$WORK/raw.tsv"; : >"$RAW"
env ANJIAN_DATA_DIR="$DATA" "$BIN" demo --no-serve >"$WORK/demo.out" 2>&1 || die "demo load failed"
start_server
login qf.liaison

# A video: an MP4 header, then random bytes (incompressible, like real footage).
FILE="$WORK/video.mp4"
log "writing a $MIB MiB test video"
{ printf '\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom'; head -c $(( MIB * 1048576 - 24 )) /dev/urandom; } >"$FILE"
SIZE=$(stat -c %s "$FILE")
now() { date +%s.%N; }
blob_count() { { find "$DATA/files/blobs" -type f 2>/dev/null || true; } | wc -l; }

for run in $(seq "$RUNS"); do
    for how in parts multipart; do
        # New bytes each upload (1 MiB after the header): the store keeps one copy of identical bytes, so a
        # repeat would skip the rename and the directory's fsync.
        dd if=/dev/urandom of="$FILE" bs=1M seek=1 count=1 conv=notrunc status=none
        blobs0=$(blob_count)
        if [[ $how == parts ]]; then
            # The parts as files, cut before the clock starts; one curl sends them all in order over one
            # kept-alive connection, as the page's script does (no process started per part).
            rm -f "$WORK"/part.*
            split -b $(( PART_MIB * 1048576 )) -d -a 5 "$FILE" "$WORK/part."
            parts=("$WORK"/part.*); offsets=(); offset=0
            for f in "${parts[@]}"; do offsets+=("$offset"); offset=$(( offset + $(stat -c %s "$f") )); done
        fi
        echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
        before=$(proc_kib VmRSS)
        t0=$(now)
        if [[ $how == parts ]]; then
            id=$("${PIN_WRK[@]}" curl -sS -b "$DATA/jar-qf.liaison" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
                -d "{\"name\":\"宣传视频.mp4\",\"size\":$SIZE}" "$BASE/api/v1/uploads" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
            [[ -n $id ]] || die "could not begin the upload"
            args=()
            for i in "${!parts[@]}"; do
                if (( i > 0 )); then args+=(--next); fi
                args+=(-sS -o "$WORK/part.json" -w '%{http_code}\n' -X PATCH -b "$DATA/jar-qf.liaison" -H "X-CSRF-Token: $CSRF"
                    -H "Upload-Offset: ${offsets[$i]}" -H 'Content-Type: application/offset+octet-stream' -T "${parts[$i]}"
                    "$BASE/api/v1/uploads/$id")
            done
            codes=$("${PIN_WRK[@]}" curl "${args[@]}")
            [[ $(grep -c '^200$' <<<"$codes") == $(( ${#parts[@]} - 1 )) && $(tail -n1 <<<"$codes") == 201 ]] \
                || die "the parts answered $(sort <<<"$codes" | uniq -c | tr '\n' ' '); last: $(head -c 300 "$WORK/part.json")"
        else
            code=$("${PIN_WRK[@]}" curl -sS -o "$WORK/file.json" -w '%{http_code}' -b "$DATA/jar-qf.liaison" -H "X-CSRF-Token: $CSRF" \
                -F "file=@$FILE;type=video/mp4;filename=宣传视频.mp4" "$BASE/api/v1/files")
            [[ $code == 201 ]] || die "multipart upload answered $code: $(head -c 300 "$WORK/file.json")"
        fi
        t1=$(now)
        rm -f "$WORK"/part.*
        peak=$(proc_kib VmHWM); after=$(proc_kib VmRSS)
        (( $(blob_count) == blobs0 + 1 )) || die "$how run $run did not store a new file"
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        mbs=$(awk -v s="$SIZE" -v t="$secs" 'BEGIN { printf "%.1f", s / 1048576 / t }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$how" "$run" "$secs" "$mbs" "$before" "$peak" "$after" >>"$RAW"
        log "$how run $run: ${secs} s, ${mbs} MiB/s, RSS before $(( before / 1024 )) MiB, peak $(( peak / 1024 )) MiB, after $(( after / 1024 )) MiB"
    done
done

echo "# Anjian upload benchmark ($([[ $QUICK == 1 ]] && echo --quick || echo full))"
echo
echo "- $(machine_line); data dir on $(df -h "$WORK" | awk 'NR == 2 { print $1 " (" $6 ")" }')"
echo "- pinning: $PINNING (curl and dd on core 1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- one $MIB MiB MP4 (random bytes), curl on loopback, the liaison's session; parts of $PART_MIB MiB, all sent by one curl over one"
echo "  connection (cut into files before the clock starts); $RUNS run(s) each;"
echo "  1 MiB of the file is made anew before every upload, so every upload stores a new file (checked)"
echo "- the time includes hashing, fsync, sniffing and the database row; growth = peak RSS (VmHWM) − RSS before"
echo
echo "| how | MiB/s (median) | MiB/s min–max | seconds (median) | RSS before MiB | peak MiB | growth MiB (max) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
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
    if (!($1 in lo) || $4 + 0 < lo[$1]) lo[$1] = $4 + 0
    if (!($1 in hi) || $4 + 0 > hi[$1]) hi[$1] = $4 + 0
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]
        printf "| %s | %.1f | %.1f–%.1f | %.2f | %.0f | %.0f | %.0f |\n", k, median(mbs[k]), lo[k], hi[k], median(secs[k]), before[k] / 1024, peak[k] / 1024, growth[k] / 1024
    }
}' "$RAW"
echo
echo "Every upload (how, run, seconds, MiB/s, RSS before KiB, peak KiB, after KiB):"
echo
echo '```'
cat "$RAW"
echo '```'
