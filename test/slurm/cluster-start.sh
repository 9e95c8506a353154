#!/usr/bin/env bash
# A real single-node Slurm cluster (slurmctld + one slurmd) on this machine, for the Slurm test tier
# (../shared/slurm-notes.md). Idempotent: installs Debian's slurm-wlm and munge when missing (root, no stdin),
# writes slurm.conf into $CXR_SLURM_DIR (default /tmp/cxr-lab-slurm), starts munged (unless one answers already),
# slurmctld and slurmd (unless their pid files name live processes), and waits until `sinfo` says the node is idle.
# Prints one line `export SLURM_CONF=<dir>/slurm.conf`: clients (sbatch, squeue, cxr-lab) need it.
# Stop with test/slurm/cluster-stop.sh (by the pid files in the same folder).
set -euo pipefail

DIR="${CXR_SLURM_DIR:-/tmp/cxr-lab-slurm}"
WAIT_S="${CXR_SLURM_WAIT_S:-60}"
log() { echo "cluster-start: $*" >&2; }

if [ "$(id -u)" != 0 ]; then log "must run as root (it installs packages and starts daemons)"; exit 3; fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || { log "slurm is not installed and there is no apt-get to install it"; exit 3; }
  log "installing slurm-wlm and munge (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q --no-install-recommends slurm-wlm munge </dev/null >"$DIR.apt.log" 2>&1; }
  mkdir -p "$(dirname "$DIR")"
  if ! apt_install; then
    apt-get update -q </dev/null >>"$DIR.apt.log" 2>&1 || true
    apt_install || { log "apt-get install slurm-wlm munge failed; see $DIR.apt.log"; tail -5 "$DIR.apt.log" >&2; exit 3; }
  fi
fi

mkdir -p "$DIR/state" "$DIR/spool" "$DIR/jobs"

# munge: one key, the daemon as user munge. A munged that already answers (another test, the host's own) is reused.
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown -R munge:munge /run/munge /var/log/munge /var/lib/munge
  su -s /bin/sh munge -c /usr/sbin/munged </dev/null
  for _ in $(seq 50); do
    [ -s /run/munge/munged.pid ] && munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  cp /run/munge/munged.pid "$DIR/munged.pid" # ours to stop
fi

# The node as slurmd sees it (CPUs, sockets, cores, threads); memory kept below the machine's.
HOST="$(hostname -s)"
NODE_LINE="$(slurmd -C 2>/dev/null | head -1 | sed -e 's/RealMemory=[0-9]*//')"
case "$NODE_LINE" in NodeName=*) ;; *) NODE_LINE="NodeName=$HOST CPUs=$(nproc)" ;; esac
MEM_MB=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 * 8 / 10 ))
NODE_NAME="$(sed -e 's/^NodeName=\([^ ]*\).*/\1/' <<<"$NODE_LINE")"

CONF="$DIR/slurm.conf"
cat >"$CONF.new" <<EOF
# Written by test/slurm/cluster-start.sh: a one-node test cluster, accounting off.
ClusterName=cxrlab
SlurmctldHost=$NODE_NAME(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldLogFile=$DIR/ctld.log
SlurmdLogFile=$DIR/d.log
SlurmctldPidFile=$DIR/ctld.pid
SlurmdPidFile=$DIR/d.pid
ReturnToService=2
MinJobAge=300
$NODE_LINE NodeAddr=127.0.0.1 RealMemory=$MEM_MB State=UNKNOWN
PartitionName=main Nodes=$NODE_NAME Default=YES MaxTime=INFINITE State=UP
EOF
mv "$CONF.new" "$CONF"
export SLURM_CONF="$CONF"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
alive "$DIR/ctld.pid" || slurmctld -f "$CONF" </dev/null
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
alive "$DIR/d.pid" || slurmd -f "$CONF" </dev/null

# Wait for the node: idle (or mixed/allocated when jobs of an earlier start still run); resume it once if down.
state=""
for i in $(seq $((WAIT_S * 4))); do
  state="$(sinfo -h -N -n "$NODE_NAME" -o %t 2>/dev/null | head -1)"
  case "$state" in idle|mix|alloc) break ;; down|drain|drng) [ "$i" = 8 ] && scontrol update NodeName="$NODE_NAME" State=RESUME 2>/dev/null || true ;; esac
  sleep 0.25
done
case "$state" in
  idle|mix|alloc) ;;
  *) log "the node did not come up (sinfo says '${state:-nothing}'); logs: $DIR/ctld.log, $DIR/d.log"; tail -5 "$DIR/ctld.log" "$DIR/d.log" >&2 || true; exit 1 ;;
esac
log "node $NODE_NAME $state, partition main ($DIR)"
echo "export SLURM_CONF=$CONF"
