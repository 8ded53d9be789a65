#!/usr/bin/env bash
# exr-bench.sh: decode speed per OpenEXR compression, ours against OpenEXR's
# and OpenImageIO's, on the same files in the same run.
#
#   scripts/exr-bench.sh [-n RUNS] [-keep DIR]
#
# Writes a 1920x1080 RGBA HALF image (OpenEXR's ScanLines/StillLife.exr
# resized, alpha as stored) once per compression with the oracle's oiiotool,
# then times, single-threaded:
#   ours      go test -bench BenchmarkDecodeFiles ./imageio/exr (exr.Parse of
#             the file's bytes: every part and channel)
#   OpenEXR   the OpenEXR Python module, OpenEXR.File(path) (all channels)
#   OIIO      OpenImageIO's ImageInput.read_image (what oiiotool reads with)
# MB/s counts uncompressed pixel bytes (1920*1080*4*2) per second of the
# process's CPU time (user+system, all threads), so that a loaded machine
# does not inflate the times as the wall clock would; best of RUNS for the
# Python readers, the mean over RUNS for ours. The Python numbers include
# opening the file; ours work from memory. Prints a Markdown table and the
# machine's load average at start and end.
#
# Needs RGALLERY_ORACLE (scripts/oracle-dev.sh setup) and ../shared/exr-images.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	-n) runs="$2"; shift 2 ;;
	-keep) keep="$2"; shift 2 ;;
	*) echo "usage: $0 [-n RUNS] [-keep DIR]" >&2; exit 2 ;;
	esac
done
py="${RGALLERY_ORACLE:?RGALLERY_ORACLE unset: run scripts/oracle-dev.sh setup}"
oiiotool="$(dirname "$py")/oiiotool"
src="${RGALLERY_SHARED:-../shared}/exr-images/ScanLines/StillLife.exr"
[ -f "$src" ] || { echo "no $src" >&2; exit 1; }
dir="${keep:-$(mktemp -d)}"
mkdir -p "$dir"
[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT

comps="none rle zips zip piz pxr24 b44 b44a dwaa dwab zstd htj2k256 htj2k32 lj2k"
for c in $comps; do
	"$oiiotool" "$src" --resize 1920x1080 --ch R,G,B,A -d half --compression "$c" -o "$dir/$c.exr" 2>/dev/null
done
load0="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"

# ours: cpu-MB/s per file from the Go benchmark (GOMAXPROCS=1)
declare -A ours
while read -r name _ _ _ _ _ cpumbs _; do
	c="${name#BenchmarkDecodeFiles/}"
	c="${c%-*}"
	ours[$c]="$(printf '%.0f' "$cpumbs")"
done < <(RGALLERY_EXR_BENCH_DIR="$dir" GOMAXPROCS=1 go test -run '^$' -bench BenchmarkDecodeFiles \
	-benchtime "${runs}x" -count 1 ./imageio/exr 2>/dev/null | grep '^BenchmarkDecodeFiles/' | grep 'MB/s')

# OpenEXR and OIIO: best of RUNS, single-threaded
declare -A oexr oiio
while read -r c a b; do
	oexr[$c]="$a"
	oiio[$c]="$b"
done < <("$py" - "$dir" "$runs" $comps <<'PY'
import sys, time
import OpenEXR, OpenImageIO as oiio
d, runs, comps = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
OpenEXR.set_global_thread_count(0)
oiio.attribute("threads", 1)
oiio.attribute("exr_threads", 1)
size = 1920 * 1080 * 4 * 2
def best(f):
    t = None
    for _ in range(runs):
        s = time.process_time()
        ok = f()
        e = time.process_time() - s
        if not ok:
            return "-"
        t = e if t is None else min(t, e)
    return "%.0f" % (size / t / 1e6)
def rd_exr(p):
    def f():
        try:
            x = OpenEXR.File(p, separate_channels=True)
            return sum(c.pixels.nbytes for c in x.parts[0].channels.values()) == size
        except Exception:
            return False
    return f
def rd_oiio(p):
    def f():
        i = oiio.ImageInput.open(p)
        if not i:
            return False
        px = i.read_image(0, 0, 0, 4, "half")
        i.close()
        return px is not None and px.nbytes == size
    return f
for c in comps:
    p = "%s/%s.exr" % (d, c)
    print(c, best(rd_exr(p)), best(rd_oiio(p)))
PY
)
load1="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"

echo "| compression | file MB | ours MB/s | OpenEXR (Python) MB/s | OIIO read_image MB/s |"
echo "|---|---:|---:|---:|---:|"
for c in $comps; do
	mb="$(awk -v s="$(stat -c %s "$dir/$c.exr")" 'BEGIN{printf "%.1f", s/1e6}')"
	echo "| ${c^^} | $mb | ${ours[$c]:-✗} | ${oexr[$c]:--} | ${oiio[$c]:--} |"
done
echo
echo "1920x1080 RGBA HALF (16.6 MB uncompressed); MB/s per CPU second; $runs runs, one thread each; $(nproc) cores;" \
	"load average $load0 at start, $load1 at end; $(go env GOVERSION), $(uname -m)."
