#!/bin/bash
# cycles-bench.sh — time Blender Cycles and rgallery's path tracer on the
# bench scenes in the same run, on the same machine, and print the ratios.
#
# Usage: scripts/cycles-bench.sh [RGALLERY_BINARY] [SHARED_DIR] [OUT_DIR]
#   RGALLERY_BINARY  default: ./rgallery, else rgallery on PATH
#   SHARED_DIR       default: $RGALLERY_SHARED, else ../shared
#   OUT_DIR          default: a new temporary directory
#
# Cycles runs with ../shared/bench-scenes/tools/render.py (640x360, 64 spp,
# 4 bounces, 2 threads); rgallery with `rgallery bench` at the same
# settings. Without Debian's blender (apt-get install blender python3-numpy)
# the Cycles half is skipped with a message and the script exits 0 after
# the rgallery half.
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
TOOLS=$SHARED/bench-scenes/tools
if [ ! -d "$SHARED/bench-scenes" ]; then
  echo "cycles-bench: no bench scenes in $SHARED" >&2
  exit 2
fi
mkdir -p "$OUT"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A CY_SPS CY_RSS
if command -v blender >/dev/null 2>&1; then
  for s in cornell spheres mesh; do
    log=$OUT/$s.cycles.log
    /usr/bin/time -v blender -b --factory-startup -t 2 --python "$TOOLS/render.py" -- \
      "$SHARED/bench-scenes/$s/$s.usda" "$OUT/cycles-$s" > "$log" 2>&1
    sps=$(grep -o '"samples_per_s": [0-9]*' "$log" | awk '{print $2}')
    rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
    CY_SPS[$s]=${sps:-0}
    CY_RSS[$s]=${rss:-0}
    echo "cycles  $s: ${sps:-?} samples/s, peak RSS $(( ${rss:-0} / 1024 )) MB"
  done
else
  echo "cycles-bench: blender not installed; skipping the Cycles half (apt-get install blender python3-numpy)"
fi

json=$OUT/rgallery.json
"$RG" bench --shared "$SHARED" --out "$OUT" --json > "$json" || { echo "cycles-bench: rgallery bench failed" >&2; exit 1; }
python3 - "$json" "$(declare -p CY_SPS)" "$(declare -p CY_RSS)" <<'PY'
import json, re, sys
res = json.load(open(sys.argv[1]))
def parse(decl):
    return {k: float(v) for k, v in re.findall(r'\[(\w+)\]="([0-9.]+)"', decl)}
sps, rss = parse(sys.argv[2]), parse(sys.argv[3])
print(f"{'scene':8} {'rgallery Ms/s':>13} {'Cycles Ms/s':>12} {'ratio':>6} {'BVH s':>6} {'1st px s':>8} {'peak MB':>8} {'Cycles MB':>9} {'mean':>6} {'RMSE':>7}")
for r in res:
    n = r["name"]
    c = sps.get(n, 0)
    cm = rss.get(n, 0) / 1024
    ratio = f"{r['samplesPerSecond']/c:.2f}" if c else "-"
    print(f"{n:8} {r['samplesPerSecond']/1e6:13.3f} {c/1e6 if c else float('nan'):12.3f} {ratio:>6} {r['bvhSeconds']:6.3f} "
          f"{r['timeToFirstPixel']:8.3f} {r['peakMemory']/2**20:8.0f} {cm:9.0f} {r.get('meanRatio', 0):6.3f} {r.get('rmse', 0):7.4f}")
PY
echo "images and logs: $OUT"
