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
# (apt-get install blender python3-numpy) the Cycles 3.4 half is skipped with
# a message (the ratio is then against the README's quiet-machine anchors,
# not same-run) and the script still runs the rest; it exits 0.
#
# The current Cycles (bpy 4.5 LTS from PyPI, in the bench venv of
# `scripts/oracle-dev.sh setup --bench`; RGALLERY_BENCH_PYTHON, default
# /var/tmp/rgallery-bench/bin/python) reads each .usda through Blender's own
# USD importer (scripts/bench/cycles45.py). Before any timing, the imported
# scene is checked against the file (camera, lights in Cycles 4.5 units,
# materials, meshes, counts): the differences as imported and the
# adjustments made are printed; a scene that still differs stops the script.
# Cycles 4.5 then runs in the same per-scene alternation at the same
# settings, and scripts/bench/anchors.py adds equal-time noise (5 s and 20 s,
# RMSE against each renderer's own high-sample reference) and the mean FLIP
# error of our converged image against Cycles 4.5's. Knobs: REF_SPP (2048),
# EQ_RES (320x180), BUDGETS (5,20), SKIP_ANCHORS=1. Without the bench venv
# the Cycles 4.5 part is skipped with a message. A full run takes 20-40 min.
#
# EXTRA="a.usda b.usda" adds scenes written like the bench scenes (e.g. the
# ~1M-triangle mesh of `SUZANNE_LEVELS=5 blender -b --factory-startup
# --python bench-scenes/tools/build.py -- DIR`): both Cycles and ours time
# them in the same alternation (ours through `bench --file`, no anchor image).
# RG_PORTABLE=BINARY (built with `go build -tags purego`) times the portable
# build too, right after the default one, and prints its own ratio column.
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
command -v blender >/dev/null 2>&1 || { HAVE_BLENDER=0; echo "cycles-bench: blender not installed; skipping the Cycles 3.4 half (apt-get install blender python3-numpy)"; }
BPY=${RGALLERY_BENCH_PYTHON:-/var/tmp/rgallery-bench/bin/python}
HAVE_BPY=1
[ -x "$BPY" ] && "$BPY" -c 'import bpy, flip_evaluator, OpenEXR' >/dev/null 2>&1 \
  || { HAVE_BPY=0; echo "cycles-bench: no bench venv with bpy at $BPY; skipping Cycles 4.5 (scripts/oracle-dev.sh setup --bench)"; }
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# A scene is a bench scene's name or the path of an extra .usda file.
scene_file() { case "$1" in *.usd*) echo "$1" ;; *) echo "$SHARED/bench-scenes/$1/$1.usda" ;; esac; }
scene_name() { case "$1" in *.usd*) basename "$1" | sed 's/\.usd[ac]\{0,1\}$//' ;; *) echo "$1" ;; esac; }
# rg_bench BINARY SCENE NAME LABEL: time one of our binaries on a scene.
rg_bench() {
  local bin=$1 s=$2 n=$3 lab=$4 what
  case "$s" in *.usd*) what=(--file "$s" --scene "") ;; *) what=(--scene "$s") ;; esac
  $TIME -v -o "$OUT/$n.$lab.time" "$bin" bench --shared "$SHARED" --out "$OUT/$lab" "${what[@]}" --json > "$OUT/$n.$lab.json" \
    || { echo "cycles-bench: $lab bench $n failed" >&2; exit 1; }
}
EXTRA=${EXTRA:-}
RG_PORTABLE=${RG_PORTABLE:-}

cpu_s() { # user+sys seconds from a /usr/bin/time -v log
  awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"
}

if [ $HAVE_BPY = 1 ]; then
  echo "Blender's USD importer (bpy $("$BPY" -c 'import bpy; print(bpy.app.version_string)' 2>/dev/null)) against the files:"
  for s in cornell spheres mesh $EXTRA; do
    f=$(scene_file "$s"); s=$(scene_name "$s")
    "$BPY" "$HERE/bench/cycles45.py" check "$f" > "$OUT/$s.import-check.log" 2>&1
    rc=$?
    grep -E 'DIFFER|adjusted|checks' "$OUT/$s.import-check.log"
    [ $rc = 0 ] || { echo "cycles-bench: $s: the imported scene still differs (full log $OUT/$s.import-check.log)" >&2; exit 1; }
  done
  echo "(every check, OK ones included: $OUT/<scene>.import-check.log)"
fi

rows=$OUT/rows.txt
: > "$rows"
for s in cornell spheres mesh $EXTRA; do
  f=$(scene_file "$s"); n=$(scene_name "$s")
  c_sps=0 c_cpu=0 c_rss=0 n_sps=0 n_cpu=0 n_rss=0
  if [ $HAVE_BLENDER = 1 ]; then
    log=$OUT/$n.cycles.log
    $TIME -v blender -b --factory-startup -t 2 --python "$TOOLS/render.py" -- \
      "$f" "$OUT/cycles-$n" > "$log" 2>&1
    c_sps=$(grep -o '"samples_per_s": [0-9]*' "$log" | awk '{print $2}')
    c_cpu=$(cpu_s "$log")
    c_rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  fi
  if [ $HAVE_BPY = 1 ]; then
    log=$OUT/$n.cycles45.log
    $TIME -v "$BPY" "$HERE/bench/cycles45.py" render "$f" "$OUT/cycles45-$n.exr" \
      --res 640x360 --spp 64 --seed 0 > "$log" 2>&1 || { echo "cycles-bench: Cycles 4.5 $n failed (see $log)" >&2; exit 1; }
    n_sps=$(grep -o '"samples_per_s": [0-9]*' "$log" | awk '{print $2}')
    n_cpu=$(cpu_s "$log")
    n_rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  fi
  rg_bench "$RG" "$s" "$n" rgallery
  p_json=- p_cpu=0
  if [ -n "$RG_PORTABLE" ]; then
    rg_bench "$RG_PORTABLE" "$s" "$n" portable
    p_json=$OUT/$n.portable.json p_cpu=$(cpu_s "$OUT/$n.portable.time")
  fi
  echo "$n ${c_sps:-0} ${c_cpu:-0} ${c_rss:-0} $(cpu_s "$OUT/$n.rgallery.time") $OUT/$n.rgallery.json ${n_sps:-0} ${n_cpu:-0} ${n_rss:-0} $p_json $p_cpu" >> "$rows"
done
python3 - "$rows" <<'PY'
import json, sys
N = 640 * 360 * 64
print("samples/s at 640x360, 64 spp, 4 bounces, 2 threads; ratio = ours / Cycles (> 1: ours faster)")
print(f"{'':8} {'':9} | {'Cycles 3.4':^14} | {'Cycles 4.5':^14} | {'per CPU-second (whole process)':^37} |")
print(f"{'scene':8} {'ours Ms/s':>9} | {'Ms/s':>7} {'ratio':>6} | {'Ms/s':>7} {'ratio':>6} | {'ours':>7} {'3.4':>7} {'ratio':>6} {'4.5':>7} {'ratio':>6} | "
      f"{'BVH s':>6} {'1st px':>6} {'MB':>4} {'3.4 MB':>6} {'4.5 MB':>6} | {'mean':>6} {'RMSE':>7}")
anchor = False
portable = []
for line in open(sys.argv[1]):
    s, csps, ccpu, crss, rcpu, js, nsps, ncpu, nrss, pjs, pcpu = line.split()
    r = json.load(open(js))[0]
    if pjs != "-":
        portable.append((s, json.load(open(pjs))[0], float(pcpu), float(csps), float(ccpu)))
    csps, ccpu, crss, rcpu = float(csps), float(ccpu), float(crss) / 1024, float(rcpu)
    nsps, ncpu, nrss = float(nsps), float(ncpu), float(nrss) / 1024
    ours = r['samplesPerSecond']
    mark = " "
    if not csps and r.get('speedRatio'):
        csps, mark, anchor = ours / r['speedRatio'], "a", True
    pc = lambda cpu: N / cpu if cpu else 0
    f = lambda a, b: f"{a/b:6.2f}" if b else "     -"
    print(f"{s:8} {ours/1e6:9.3f} | {csps/1e6:6.3f}{mark} {f(ours, csps)} | {nsps/1e6:7.3f} {f(ours, nsps)} | "
          f"{pc(rcpu)/1e6:7.3f} {pc(ccpu)/1e6:7.3f} {f(pc(rcpu), pc(ccpu))} {pc(ncpu)/1e6:7.3f} {f(pc(rcpu), pc(ncpu))} | "
          f"{r['bvhSeconds']:6.3f} {r['timeToFirstPixel']:6.3f} {r['peakMemory']/2**20:4.0f} {crss:6.0f} {nrss:6.0f} | "
          f"{r.get('meanRatio', 0):6.3f} {r.get('rmse', 0):7.4f}")
if portable:
    print("portable build (-tags purego: no assembly), same run, ratio = portable / Cycles 3.4")
    print(f"{'scene':8} {'Ms/s':>9} {'ratio':>6} | {'Ms/cpu-s':>8} {'ratio':>6}")
    for s, r, pcpu, csps, ccpu in portable:
        ours = r['samplesPerSecond']
        f = lambda a, b: f"{a/b:6.2f}" if b else "     -"
        pc = lambda cpu: N / cpu if cpu else 0
        print(f"{s:8} {ours/1e6:9.3f} {f(ours, csps)} | {pc(pcpu)/1e6:8.3f} {f(pc(pcpu), pc(ccpu))}")
if anchor:
    print("(a: no Blender 3.4 here; the README's anchor, best of 3 on a quiet machine, NOT the same run)")
print("(mean, RMSE: our image against the README's Cycles 3.4 cycles.exr)")
PY
echo "(Ms/cpu-s: million samples per CPU-second of the whole process, startup and scene loading included)"
if [ $HAVE_BPY = 1 ] && [ "${SKIP_ANCHORS:-0}" != 1 ]; then
  echo
  "$BPY" "$HERE/bench/anchors.py" "$RG" "$SHARED" "$OUT/anchors" || { echo "cycles-bench: anchors failed" >&2; exit 1; }
fi
echo "images and logs: $OUT"
