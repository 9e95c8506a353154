#!/usr/bin/env bash
# Stops the test cluster of cluster-start.sh: cancels its jobs, then slurmd, slurmctld and (only when that script
# started it) munged, each by its pid file in $CXR_SLURM_DIR. Idempotent; the folder (state, logs) is kept.
set -uo pipefail

DIR="${CXR_SLURM_DIR:-/tmp/cxr-lab-slurm}"
export SLURM_CONF="$DIR/slurm.conf"

stop_by_pidfile() {
  local file="$1" name="$2" pid
  [ -s "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "cluster-stop: $name ($pid) killed" >&2; fi
  fi
  rm -f "$file"
}

if [ -f "$SLURM_CONF" ] && [ -s "$DIR/ctld.pid" ] && kill -0 "$(cat "$DIR/ctld.pid")" 2>/dev/null; then
  jobs="$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')"
  if [ -n "${jobs// /}" ]; then
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(squeue -h -t R,CG -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi
stop_by_pidfile "$DIR/d.pid" slurmd
stop_by_pidfile "$DIR/ctld.pid" slurmctld
stop_by_pidfile "$DIR/munged.pid" munged
echo "cluster-stop: stopped ($DIR)" >&2
