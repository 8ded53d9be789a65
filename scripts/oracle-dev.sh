#!/usr/bin/env bash
# oracle-dev.sh: the reference implementations rgallery is tested against
# (OpenUSD, OpenEXR, OpenImageIO, FLIP, tevclient; Blender and Mitsuba for
# the benchmark), in Python virtual environments. Test and benchmark
# dependencies only: the product never runs them.
#
#   scripts/oracle-dev.sh setup [-q]        create/update the oracle venv (pinned in
#                                           scripts/oracle/requirements.txt); prints
#                                           `export RGALLERY_ORACLE=<its python>`
#   eval "$(scripts/oracle-dev.sh setup -q)"    ... and take it into this shell
#   scripts/oracle-dev.sh setup --bench [-q]    also a separate venv with bpy and mitsuba
#                                           (requirements-bench.txt); prints
#                                           `export RGALLERY_BENCH_PYTHON=<its python>`
#   scripts/oracle-dev.sh status            what is installed where
#   scripts/oracle-dev.sh check [AREA] [-n N] [-seed S]
#                                           run the differential suites outside `go test`
#                                           and end with one line per area:
#                                           `AREA: N cases, M mismatches, K known`
#
# AREA is one of usd, crate, scene, exr, tev (default: all). Knobs:
# RGALLERY_ORACLE_DIR (default /var/tmp/rgallery-oracle), RGALLERY_BENCH_DIR
# (default /var/tmp/rgallery-bench), RGALLERY_ORACLE_PYTHON (the python3
# that creates the venvs; CPython 3.11 here). Idempotent: a venv whose
# installed set already matches its requirements file is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"
[ $# -gt 0 ] && shift
QUIET=0 BENCH=0 AREA="" N="" SEED=""
while [ $# -gt 0 ]; do
  case "$1" in
    -q|--quiet) QUIET=1 ;;
    --bench) BENCH=1 ;;
    -n) N="$2"; shift ;;
    -seed|--seed) SEED="$2"; shift ;;
    usd|crate|scene|exr|tev) AREA="$1" ;;
    *) echo "oracle-dev.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

OD="${RGALLERY_ORACLE_DIR:-/var/tmp/rgallery-oracle}"
BD="${RGALLERY_BENCH_DIR:-/var/tmp/rgallery-bench}"
PY="${RGALLERY_ORACLE_PYTHON:-python3}"
say() { [ "$QUIET" = 1 ] && return 0; echo "oracle-dev: $*" >&2; }
fail() { echo "oracle-dev.sh: $*" >&2; exit 1; }

# venv DIR REQS: create DIR and install REQS into it unless a stamp says the
# same requirements are already installed.
venv() {
  local dir="$1" reqs="$2" sum
  sum="$(sha256sum "$reqs" | cut -c1-16)"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.rgallery-reqs" 2>/dev/null)" = "$sum" ]; then
    say "$dir up to date"; return
  fi
  if ! "$PY" -m venv --help >/dev/null 2>&1; then
    command -v apt-get >/dev/null || fail "$PY has no venv module"
    say "installing python3-venv"
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir" || fail "cannot create a venv in $dir"
  say "installing $(grep -cv '^\s*\(#\|$\)' "$reqs") packages into $dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs" >&2 \
    || fail "pip install -r $reqs into $dir failed"
  echo "$sum" >"$dir/.rgallery-reqs"
}

case "$cmd" in
  setup)
    venv "$OD" scripts/oracle/requirements.txt
    # oiiotool and idiff come with the OpenImageIO wheel.
    [ -x "$OD/bin/oiiotool" ] || say "note: no oiiotool in $OD/bin"
    echo "export RGALLERY_ORACLE=$OD/bin/python"
    if [ "$BENCH" = 1 ]; then
      venv "$BD" scripts/oracle/requirements-bench.txt
      echo "export RGALLERY_BENCH_PYTHON=$BD/bin/python"
    fi
    ;;
  status)
    for d in "$OD" "$BD"; do
      if [ -x "$d/bin/python" ]; then
        echo "$d: $("$d/bin/python" --version 2>&1)"
        "$d/bin/python" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null \
          | grep -iE '^(usd-core|openexr|openimageio|flip-evaluator|tevclient|bpy|mitsuba|numpy)==' | sed 's/^/  /'
      else
        echo "$d: not set up"
      fi
    done
    ;;
  check)
    [ -x "$OD/bin/python" ] || fail "no oracle venv in $OD: run $0 setup first"
    export RGALLERY_ORACLE="$OD/bin/python"
    args=(-oracle.summary)
    [ -n "$N" ] && args+=(-oracle.n "$N")
    [ -n "$SEED" ] && args+=(-oracle.seed "$SEED")
    run='^TestOracle'
    [ -n "$AREA" ] && run="^TestOracle${AREA^}"
    out="$(mktemp)"
    rc=0
    go test -count=1 -timeout 0 -v -run "$run" ./internal/oracle/ -args "${args[@]}" >"$out" 2>&1 || rc=$?
    grep -v '^oracle-summary: ' "$out" | grep -E '^(---|FAIL|ok|panic)|mismatch' | head -n 200 || true
    grep '^oracle-summary: ' "$out" | sed 's/^oracle-summary: //' || true
    [ "$rc" = 0 ] || echo "(go test exited $rc; full output in $out)" >&2
    exit "$rc"
    ;;
  *)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
