#!/usr/bin/env bash
# slurm-dev.sh: a single-node Slurm cluster on this machine, for developing
# and testing rgallery's "Slurm Farm" renderer.
#
#   scripts/slurm-dev.sh start [--rest]   install (apt) if needed, start munged, slurmctld,
#                                         slurmd (and slurmrestd); prints `export` lines
#   eval "$(scripts/slurm-dev.sh start -q)"   ... and take them into this shell
#   scripts/slurm-dev.sh env              print the exports of the running cluster
#   scripts/slurm-dev.sh status           pids and node state; exit 1 if not running
#   scripts/slurm-dev.sh stop             cancel its jobs, stop what start started (by pid)
#
# Everything lives in $RGALLERY_SLURM_DIR (default /var/tmp/rgallery-slurm):
# config, munge key and socket, spool, logs, pid files. Idempotent: a daemon
# whose pid file names a live process of the right name is left alone. Only
# processes recorded in our pid files are ever signalled. Needs root (the
# daemons run as root, munged as user munge).
#
# Ports default to 6917 (slurmctld), 6918 (slurmd), 6920 (slurmrestd) so that
# the cluster does not collide with a Slurm on the standard ports. Knobs:
# RGALLERY_SLURM_DIR, RGALLERY_SLURM_PARTITION (debug), RGALLERY_SLURM_CPUS
# (advertise this many CPUs), RGALLERY_SLURM_CTLD_PORT, _SLURMD_PORT, _REST_PORT,
# RGALLERY_SLURM_NO_INSTALL=1 (never run apt-get).
set -euo pipefail

cmd="${1:-}"
[ $# -gt 0 ] && shift
REST=0 QUIET=0
for a in "$@"; do
  case "$a" in
    --rest) REST=1 ;;
    -q|--quiet) QUIET=1 ;;
    *) echo "slurm-dev.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

D="${RGALLERY_SLURM_DIR:-/var/tmp/rgallery-slurm}"
PART="${RGALLERY_SLURM_PARTITION:-debug}"
CTLD_PORT="${RGALLERY_SLURM_CTLD_PORT:-6917}"
SLURMD_PORT="${RGALLERY_SLURM_SLURMD_PORT:-6918}"
REST_PORT="${RGALLERY_SLURM_REST_PORT:-6920}"
CONF="$D/etc/slurm.conf"
MSOCK="$D/munge/munge.socket"
NODE="$(hostname -s)"
export SLURM_CONF="$CONF"
# A token in the environment makes the client tools use auth/jwt; we use munge.
unset SLURM_JWT

t0=$(date +%s%N)
say() { [ "$QUIET" = 1 ] && return 0; printf '[slurm-dev %5dms] %s\n' $(( ($(date +%s%N) - t0) / 1000000 )) "$*" >&2; }
fail() { echo "slurm-dev.sh: $*" >&2; exit 1; }
show_log() { [ -f "$1" ] && { echo "--- tail of $1" >&2; tail -n 20 "$1" >&2; }; return 0; }

# running PIDFILE NAME: print the pid if the file names a live (non-zombie) NAME.
running() {
  local pid st
  [ -s "$1" ] || return 1
  pid="$(tr -cd '0-9' <"$1")"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  st="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)"
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] || return 1
  echo "$pid"
}

# until_ok SECONDS CMD...: retry CMD every 0.2 s.
until_ok() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# listener PORT: "pid" of the process listening on TCP PORT, empty if none.
listener() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1; }
port_check() { # PORT PIDFILE NAME: the port must be free or held by our daemon
  local l ours; l="$(listener "$1")"
  [ -z "$l" ] && return 0
  ours="$(running "$2" "$3" || true)"
  [ "$l" = "$ours" ] && return 0
  fail "TCP port $1 is in use by pid $l ($(cat "/proc/$l/comm" 2>/dev/null)), which this script did not start; set RGALLERY_SLURM_*_PORT"
}

print_env() {
  echo "export SLURM_CONF=$CONF"
  echo "export RGALLERY_SLURM_DIR=$D"
  echo "export RGALLERY_SLURM_PARTITION=$PART"
  if running "$D/run/slurmrestd.pid" slurmrestd >/dev/null && [ -s "$D/etc/token" ]; then
    echo "export RGALLERY_SLURMRESTD=http://127.0.0.1:$REST_PORT"
    echo "export RGALLERY_SLURMRESTD_TOKEN_FILE=$D/etc/token"
  fi
}

install_packages() {
  local pkgs=(slurm-wlm munge iproute2) missing=() p
  [ "$REST" = 1 ] && pkgs+=(slurmrestd slurm-wlm-jwt-plugin curl)
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  [ "${RGALLERY_SLURM_NO_INSTALL:-0}" = 1 ] && fail "packages missing: ${missing[*]} (RGALLERY_SLURM_NO_INSTALL=1)"
  say "apt-get install ${missing[*]}"
  local i
  for i in $(seq 1 60); do   # another apt may hold the lock; give it up to 5 minutes
    if DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null 2>&1 &&
       DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         -o DPkg::Lock::Timeout=60 "${missing[@]}" >"$D/log/apt.log" 2>&1; then
      return 0
    fi
    grep -qiE 'lock' "$D/log/apt.log" 2>/dev/null || { show_log "$D/log/apt.log"; fail "apt-get install ${missing[*]} failed"; }
    sleep 5
  done
  fail "apt/dpkg lock still busy after 5 minutes"
}

write_config() {
  local nodeline extra="" new
  nodeline="$(slurmd -C 2>/dev/null | head -n1)"
  [[ "$nodeline" == NodeName=* ]] || fail "slurmd -C did not describe this node: $nodeline"
  nodeline="$(echo "$nodeline" | sed "s/^NodeName=[^ ]*/NodeName=$NODE NodeAddr=127.0.0.1/")"
  if [ -n "${RGALLERY_SLURM_CPUS:-}" ]; then
    local mem; mem="$(echo "$nodeline" | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
    nodeline="NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$RGALLERY_SLURM_CPUS CoresPerSocket=$RGALLERY_SLURM_CPUS ThreadsPerCore=1 RealMemory=$mem"
    extra="SlurmdParameters=config_overrides"
  fi
  new="# written by rgallery scripts/slurm-dev.sh
ClusterName=rgallery-dev
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MSOCK
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$D/etc/jwt.key
StateSaveLocation=$D/spool/ctld
SlurmdSpoolDir=$D/spool/d
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MinJobAge=3600
KillWait=10
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.log
MailProg=/bin/true
$extra
$nodeline State=UNKNOWN
PartitionName=$PART Nodes=$NODE Default=YES MaxTime=INFINITE State=UP"
  if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$new" ]; then
    if [ -f "$CONF" ] && { running "$D/run/slurmctld.pid" slurmctld >/dev/null || running "$D/run/slurmd.pid" slurmd >/dev/null; }; then
      say "configuration changed: restarting the Slurm daemons"
      stop_daemons slurmd slurmctld
    fi
    printf '%s\n' "$new" >"$CONF.new" && mv -f "$CONF.new" "$CONF"
  fi
  [ -e "$D/etc/plugstack.conf" ] || : >"$D/etc/plugstack.conf"
}

start_munge() {
  local pid
  munge_works() { munge -n -S "$MSOCK" </dev/null | unmunge -S "$MSOCK" >/dev/null; }
  if pid="$(running "$D/munge/munged.pid" munged)"; then
    munge_works 2>/dev/null || fail "munged (pid $pid) does not answer on $MSOCK; run $0 stop"
    say "munged running (pid $pid)"; return
  fi
  rm -f "$MSOCK" "$MSOCK.lock" "$D/munge/munged.pid"
  [ -s "$D/munge/munge.key" ] || head -c 1024 /dev/urandom >"$D/munge/munge.key"
  chown -R munge:munge "$D/munge"; chmod 0755 "$D/munge"; chmod 0400 "$D/munge/munge.key"  # munged wants a traversable socket dir and a private key
  setpriv --reuid=munge --regid=munge --init-groups -- munged --socket="$MSOCK" \
    --key-file="$D/munge/munge.key" --pid-file="$D/munge/munged.pid" \
    --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" </dev/null >>"$D/log/munged.out" 2>&1 \
    || { show_log "$D/munge/munged.log"; fail "munged did not start"; }
  until_ok 10 munge_works || { show_log "$D/munge/munged.log"; fail "munged does not answer on $MSOCK"; }
  say "munged started (pid $(cat "$D/munge/munged.pid"))"
}

start_slurm() {
  local pid
  if pid="$(running "$D/run/slurmctld.pid" slurmctld)"; then
    say "slurmctld running (pid $pid)"
  else
    port_check "$CTLD_PORT" "$D/run/slurmctld.pid" slurmctld
    rm -f "$D/run/slurmctld.pid"
    # -c: a cold start drops the jobs of an earlier run instead of recovering them
    slurmctld -f "$CONF" -c -i </dev/null >>"$D/log/slurmctld.out" 2>&1 \
      || { show_log "$D/log/slurmctld.log"; fail "slurmctld did not start"; }
  fi
  until_ok 30 sh -c 'scontrol ping | grep -q "is UP"' || { show_log "$D/log/slurmctld.log"; fail "slurmctld does not answer scontrol ping"; }
  [ -z "${pid:-}" ] && say "slurmctld started (pid $(cat "$D/run/slurmctld.pid"))"
  pid=""
  if pid="$(running "$D/run/slurmd.pid" slurmd)"; then
    say "slurmd running (pid $pid)"
  else
    port_check "$SLURMD_PORT" "$D/run/slurmd.pid" slurmd
    rm -f "$D/run/slurmd.pid"
    slurmd -f "$CONF" -N "$NODE" </dev/null >>"$D/log/slurmd.out" 2>&1 \
      || { show_log "$D/log/slurmd.log"; fail "slurmd did not start"; }
  fi
  node_up() {
    local p; p="$(running "$D/run/slurmd.pid" slurmd)" || return 1
    [ "$(listener "$SLURMD_PORT")" = "$p" ] || return 1
    case "$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null)" in idle|mixed|allocated|completing) return 0 ;; esac
    return 1
  }
  until_ok 60 node_up || { show_log "$D/log/slurmd.log"; fail "node $NODE is not idle after 60 s (scontrol show node $NODE says why)"; }
  [ -z "$pid" ] && say "slurmd started (pid $(cat "$D/run/slurmd.pid")), node $NODE up"
  return 0
}

start_rest() {
  local pid user=slurmrest
  getent passwd "$user" >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  scontrol token username=root lifespan=86400 2>/dev/null | sed -n 's/^SLURM_JWT=//p' >"$D/etc/token.new"
  [ -s "$D/etc/token.new" ] || fail "scontrol token gave no token"
  mv -f "$D/etc/token.new" "$D/etc/token"; chmod 0600 "$D/etc/token"
  if pid="$(running "$D/run/slurmrestd.pid" slurmrestd)"; then say "slurmrestd running (pid $pid)"; return; fi
  port_check "$REST_PORT" "$D/run/slurmrestd.pid" slurmrestd
  # slurmrestd refuses to run as root; sh records its own pid, then execs into it
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$D/run/slurmrestd.pid" env SLURM_JWT=daemon \
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
    slurmrestd -f "$CONF" -a rest_auth/jwt -s openapi/v0.0.38 "127.0.0.1:$REST_PORT" \
    </dev/null >>"$D/log/slurmrestd.log" 2>&1 &
  until_ok 20 sh -c "curl -s -o /dev/null http://127.0.0.1:$REST_PORT/openapi/v3" \
    || { show_log "$D/log/slurmrestd.log"; fail "slurmrestd does not answer on port $REST_PORT"; }
  say "slurmrestd started (pid $(cat "$D/run/slurmrestd.pid"))"
}

# stop_daemons NAME...: SIGTERM the named daemons we started, SIGKILL after 15 s.
stop_daemons() {
  local n f pid pids=() names=() i
  for n in "$@"; do
    f="$D/run/$n.pid"; [ "$n" = munged ] && f="$D/munge/munged.pid"
    if pid="$(running "$f" "$n")"; then
      say "stopping $n (pid $pid)"; kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$n")
    fi
    rm -f "$f"
  done
  for i in $(seq 1 150); do
    local left=0
    for n in "${!pids[@]}"; do
      echo "${pids[$n]}" >"$D/run/.probe"; running "$D/run/.probe" "${names[$n]}" >/dev/null && left=1
    done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for n in "${!pids[@]}"; do
    echo "${pids[$n]}" >"$D/run/.probe"
    if running "$D/run/.probe" "${names[$n]}" >/dev/null; then
      say "${names[$n]} (pid ${pids[$n]}) ignored SIGTERM; SIGKILL"; kill -KILL "${pids[$n]}" 2>/dev/null || true
    fi
  done
  rm -f "$D/run/.probe"
}

case "$cmd" in
  start)
    [ "$(id -u)" = 0 ] || fail "start needs root"
    mkdir -p "$D/etc" "$D/run" "$D/log" "$D/spool/ctld" "$D/spool/d" "$D/munge"
    chmod 0755 "$D" "$D/etc" "$D/run" "$D/log"
    install_packages
    getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >>/etc/hosts
    [ -s "$D/etc/jwt.key" ] || { head -c 32 /dev/urandom >"$D/etc/jwt.key"; chmod 0600 "$D/etc/jwt.key"; }
    write_config
    # The daemons inherit the working directory: theirs must outlive the
    # caller's (slurmrestd fails every submission once its cwd is gone).
    cd "$D"
    start_munge
    start_slurm
    [ "$REST" = 1 ] && start_rest
    say "ready"
    print_env
    ;;
  stop)
    [ "$(id -u)" = 0 ] || fail "stop needs root"
    if running "$D/run/slurmctld.pid" slurmctld >/dev/null; then
      jobs="$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')"
      if [ -n "${jobs// /}" ]; then
        say "cancelling jobs $jobs"
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null || true
        until_ok 20 sh -c '[ -z "$(squeue -h -t R,CG -o %A 2>/dev/null)" ]' || say "some jobs are still completing"
      fi
    fi
    stop_daemons slurmrestd slurmd slurmctld
    stop_daemons munged
    rm -f "$MSOCK" "$MSOCK.lock"
    say "stopped"
    ;;
  status)
    ok=0
    for n in munged slurmctld slurmd slurmrestd; do
      f="$D/run/$n.pid"; [ "$n" = munged ] && f="$D/munge/munged.pid"
      if pid="$(running "$f" "$n")"; then echo "$n running (pid $pid)"
      else echo "$n not running"; [ "$n" = slurmrestd ] || ok=1; fi
    done
    [ $ok = 0 ] && sinfo -N -o '%N %P %T %c' 2>/dev/null
    exit $ok
    ;;
  env)
    running "$D/run/slurmctld.pid" slurmctld >/dev/null || fail "the cluster in $D is not running ($0 start)"
    print_env
    ;;
  *)
    sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
