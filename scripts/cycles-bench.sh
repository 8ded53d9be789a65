#!/bin/bash
# cycles-bench.sh — time Blender Cycles and rgallery's path tracer on the
# bench scenes in the same run, on the same machine, and print the ratios.
#
# Usage: scripts/cycles-bench.sh [RGALLERY_BINARY] [SHARED_DIR] [OUT_DIR]
#   RGALLERY_BINARY  default: ./rgallery, else rgallery on PATH
#   SHARED_DIR       default: $RGALLERY_SHARED, else ../shared
#   OUT_DIR          default: a new temporary directory
#
# For each scene, Cycles (../shared/bench-scenes/tools/render.py: 640x360,
# 64 spp, 4 bounces, 2 threads) and `rgallery bench --scene S` (same
# settings) run back to back, so a noisy neighbour on a shared machine hits
# both alike. Two ratios are printed: wall-clock samples/s, and samples per
# CPU-second of the whole process (from /usr/bin/time), which is the
# steadier figure when the machine is busy. Without Debian's blender
# (apt-get install blender python3-numpy) the Cycles half is skipped with a
# message and the script still runs the rgallery half; it exits 0.
set -u
RG=${1:-}
SHARED=${2:-${RGALLERY_SHARED:-../shared}}
OUT=${3:-$(mktemp -d -t rgallery-cycles-bench.XXXXXX)}
if [ -z "$RG" ]; then
  if [ -x ./rgallery ]; then RG=./rgallery; else RG=$(command -v rgallery || true); fi
fi
if [ -z "$RG" ] || [ ! -x "$RG" ]; then
  echo "cycles-bench: no rgallery binary (build it: go build -o rgallery ./cmd/rgallery)" >&2
  exit 2
fi
if [ ! -d "$SHARED/bench-scenes" ]; then
  echo "cycles-bench: no bench scenes in $SHARED" >&2
  exit 2
fi
TOOLS=$SHARED/bench-scenes/tools
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "cycles-bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
HAVE_BLENDER=1
command -v blender >/dev/null 2>&1 || { HAVE_BLENDER=0; echo "cycles-bench: blender not installed; skipping the Cycles half (apt-get install blender python3-numpy)"; }
mkdir -p "$OUT"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_s() { # user+sys seconds from a /usr/bin/time -v log
  awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"
}

rows=$OUT/rows.txt
: > "$rows"
for s in cornell spheres mesh; do
  c_sps=0 c_cpu=0 c_rss=0
  if [ $HAVE_BLENDER = 1 ]; then
    log=$OUT/$s.cycles.log
    $TIME -v blender -b --factory-startup -t 2 --python "$TOOLS/render.py" -- \
      "$SHARED/bench-scenes/$s/$s.usda" "$OUT/cycles-$s" > "$log" 2>&1
    c_sps=$(grep -o '"samples_per_s": [0-9]*' "$log" | awk '{print $2}')
    c_cpu=$(cpu_s "$log")
    c_rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  fi
  rlog=$OUT/$s.rgallery.time
  $TIME -v -o "$rlog" "$RG" bench --shared "$SHARED" --out "$OUT" --scene "$s" --json > "$OUT/$s.rgallery.json" \
    || { echo "cycles-bench: rgallery bench $s failed" >&2; exit 1; }
  echo "$s ${c_sps:-0} ${c_cpu:-0} ${c_rss:-0} $(cpu_s "$rlog") $OUT/$s.rgallery.json" >> "$rows"
done
python3 - "$rows" <<'PY'
import json, sys
N = 640 * 360 * 64
print(f"{'scene':8} {'ours Ms/s':>9} {'Cycles':>7} {'ratio':>6} | {'ours Ms/cpu-s':>13} {'Cycles':>7} {'ratio':>6} | {'BVH s':>6} {'1st px s':>8} {'MB':>5} {'Cyc MB':>6} | {'mean':>6} {'RMSE':>7}")
for line in open(sys.argv[1]):
    s, csps, ccpu, crss, rcpu, js = line.split()
    r = json.load(open(js))[0]
    csps, ccpu, crss, rcpu = float(csps), float(ccpu), float(crss) / 1024, float(rcpu)
    ours_cpu = N / rcpu if rcpu else 0
    cyc_cpu = N / ccpu if ccpu else 0
    f = lambda a, b: f"{a/b:6.2f}" if b else "     -"
    print(f"{s:8} {r['samplesPerSecond']/1e6:9.3f} {csps/1e6:7.3f} {f(r['samplesPerSecond'], csps)} | "
          f"{ours_cpu/1e6:13.3f} {cyc_cpu/1e6:7.3f} {f(ours_cpu, cyc_cpu)} | {r['bvhSeconds']:6.3f} {r['timeToFirstPixel']:8.3f} "
          f"{r['peakMemory']/2**20:5.0f} {crss:6.0f} | {r.get('meanRatio', 0):6.3f} {r.get('rmse', 0):7.4f}")
PY
echo "(Ms/cpu-s: million samples per CPU-second of the whole process, startup and scene loading included)"
echo "images and logs: $OUT"
