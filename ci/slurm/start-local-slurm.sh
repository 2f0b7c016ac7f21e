#!/usr/bin/env bash
# A one-node Slurm cluster on 127.0.0.1 for testing profiles/slurm (tests/test_slurm.py).
#
# Installs Debian's slurm-wlm, munge, slurmdbd and MariaDB, writes slurm.conf and
# slurmdbd.conf, and starts munged, MariaDB, slurmdbd, slurmctld and slurmd; returns once
# `sinfo` shows the node idle. Idempotent: a second run re-checks everything and starts
# only what is not running. Needs root on a Debian/Ubuntu machine (CI runner or container).
#
# Why slurmdbd + MariaDB: `sacct` reads only the accounting database. Without slurmdbd
# (AccountingStorageType=accounting_storage/none) sacct reports "Slurm accounting storage
# is disabled", and jobcomp/filetxt only feeds the deprecated `sacct --completion`, not the
# plain `sacct` that snakemake-executor-plugin-slurm runs to follow its jobs.
#
# GPUs: the node advertises SLURM_FAKE_GPUS generic GPUs (GRES "gpu" backed by /dev/null,
# default 1) so that GPU jobs (`--gpus=1`) are accepted, scheduled and accounted
# (AllocTRES gres/gpu=1 in sacct) like on a real GPU node; they run on the CPU, as every
# GPU-capable plugin of colourfr falls back to the CPU when CUDA is absent. Requests for a
# GPU *model* (gpu_model) cannot be met by this node and are stripped by the test. With
# SLURM_FAKE_GPUS=0 the node has no GRES; the test then sets gpu: 0 on every GPU-capable
# rule (adapt_profile_to_node in tests/test_slurm.py), since sbatch rejects --gpus there.
#
# Settings (environment variables):
#   SLURM_PARTITION   partition name                    (default: local)
#   SLURM_CLUSTER     cluster name in the accounting DB (default: colourfr)
#   SLURM_STATE_DIR   spool, state and log files        (default: /var/lib/colourfr-slurm)
#   SLURM_FAKE_GPUS   generic GPUs the node advertises (default: 1; 0 = none)
#   SLURM_SKIP_APT=1  do not run apt-get (packages already installed)
set -euo pipefail

PARTITION="${SLURM_PARTITION:-local}"
CLUSTER="${SLURM_CLUSTER:-colourfr}"
STATE="${SLURM_STATE_DIR:-/var/lib/colourfr-slurm}"
FAKE_GPUS="${SLURM_FAKE_GPUS:-1}"
CONF_DIR=/etc/slurm
MARKER="# written by colourfr ci/slurm/start-local-slurm.sh"
DB_NAME=slurm_acct_db
DB_USER=slurm
# Only reachable through the local socket of a throw-away test database.
DB_PASSWORD="${SLURM_DB_PASSWORD:-colourfr-ci}"

log() { printf '[start-local-slurm] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }


running() { # running PIDFILE: the daemon whose pid is in PIDFILE is alive
  # A pid file left by an earlier machine or container can name a pid that now belongs to
  # another process (pids restart low in a fresh container), so the process must also be
  # the daemon the file is named after (munged.pid -> munged), not merely alive.
  local pid daemon
  daemon=$(basename "$1" .pid)
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$daemon" ]
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "timed out after ${seconds}s waiting for $what"
}

install_packages() {
  local missing=()
  command -v slurmctld >/dev/null || missing+=(slurmctld)
  command -v slurmd >/dev/null || missing+=(slurmd)
  command -v sinfo >/dev/null || missing+=(slurm-client)
  command -v slurmdbd >/dev/null || missing+=(slurmdbd)
  command -v munged >/dev/null || missing+=(munge)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  if [ ${#missing[@]} -eq 0 ]; then
    log "packages present"
    return
  fi
  [ "${SLURM_SKIP_APT:-0}" = 1 ] && die "missing packages and SLURM_SKIP_APT=1: ${missing[*]}"
  log "installing slurm-wlm munge slurmdbd mariadb-server"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm slurm-client slurmdbd munge mariadb-server mariadb-client >/dev/null
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating the munge key"
    mungekey --create --keyfile /etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! running /run/munge/munged.pid; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged
  fi
  wait_for 30 "munge to answer" sh -c 'munge -n | unmunge'
}

start_mariadb() {
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld
  if ! mysqladmin ping >/dev/null 2>&1; then
    log "starting MariaDB"
    # mysqld_safe restarts the server if it dies; detach it from this shell.
    nohup mysqld_safe --skip-syslog >"$STATE/log/mysqld_safe.log" 2>&1 &
  fi
  wait_for 60 "MariaDB" mysqladmin ping
  # root connects through the unix socket (Debian's default unix_socket authentication).
  mysql --protocol=socket <<SQL
CREATE DATABASE IF NOT EXISTS ${DB_NAME};
CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASSWORD}';
GRANT ALL ON ${DB_NAME}.* TO '${DB_USER}'@'localhost';
FLUSH PRIVILEGES;
SQL
}

write_if_changed() { # write_if_changed PATH MODE OWNER < content; returns 0 if it changed
  local path=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    return 1
  fi
  if [ -f "$path" ] && ! grep -qF "$MARKER" "$path"; then
    rm -f "$tmp"
    die "$path exists and was not written by this script: refusing to overwrite a real cluster's configuration"
  fi
  install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$path"
  rm -f "$tmp"
  log "wrote $path"
  return 0
}

write_configs() {
  local node cpus memory_mb gres_node="" gres_types=""
  node=$(hostname -s)
  cpus=$(nproc)
  # What slurmd will detect, less 10% so the node is never drained for "low RealMemory".
  memory_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  mkdir -p "$CONF_DIR" "$STATE"/{ctld,d,log,run}
  chown slurm:slurm "$STATE"/{ctld,log,run}
  if [ "$FAKE_GPUS" -gt 0 ]; then
    gres_types="GresTypes=gpu"
    gres_node="Gres=gpu:${FAKE_GPUS}"
  fi
  CHANGED=0
  write_if_changed "$CONF_DIR/slurm.conf" 0644 root:root <<CONF && CHANGED=1 || true
$MARKER
# One node on 127.0.0.1 (generic GPUs only, see gres.conf), daemons as in a Debian package install.
ClusterName=${CLUSTER}
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=${STATE}/ctld
SlurmdSpoolDir=${STATE}/d
SlurmctldPidFile=${STATE}/run/slurmctld.pid
SlurmdPidFile=${STATE}/run/slurmd.pid
SlurmctldLogFile=${STATE}/log/slurmctld.log
SlurmdLogFile=${STATE}/log/slurmd.log
# No cgroups in containers/CI runners: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Accounting through slurmdbd so that sacct shows the jobs (with their --comment).
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
# Generic GPUs without devices (SLURM_FAKE_GPUS); accounted as gres/gpu.
${gres_types}
AccountingStorageTRES=gres/gpu
# Finished jobs stay visible to squeue for 5 minutes (the plugin's status fallback).
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory_mb} ${gres_node} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONF
  # Slurm 22.05 counts a GPU only with a device file (without one the node is INVALID:
  # "gres/gpu count reported lower than configured"); /dev/null stands in for it, so jobs
  # get CUDA_VISIBLE_DEVICES=0 and find no CUDA device behind it.
  write_if_changed "$CONF_DIR/gres.conf" 0644 root:root <<CONF && CHANGED=1 || true
$MARKER
$( [ "$FAKE_GPUS" -gt 0 ] && echo "NodeName=${node} Name=gpu Count=${FAKE_GPUS} File=/dev/null" )
CONF
  write_if_changed "$CONF_DIR/slurmdbd.conf" 0600 slurm:slurm <<CONF && CHANGED=1 || true
$MARKER
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
PidFile=${STATE}/run/slurmdbd.pid
LogFile=${STATE}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=${DB_USER}
StoragePass=${DB_PASSWORD}
StorageLoc=${DB_NAME}
CONF
  NODE=$node
}

stop_daemon() { # stop_daemon PIDFILE: end a daemon this script started (by its pid)
  local pid
  if running "$1"; then
    pid=$(cat "$1" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 30); do running "$1" || return 0; sleep 1; done
  fi
}

start_slurm() {
  if [ "$CHANGED" = 1 ]; then
    # A changed configuration needs fresh daemons.
    stop_daemon "$STATE/run/slurmd.pid"
    stop_daemon "$STATE/run/slurmctld.pid"
    stop_daemon "$STATE/run/slurmdbd.pid"
  fi
  if ! running "$STATE/run/slurmdbd.pid"; then
    log "starting slurmdbd"
    slurmdbd
  fi
  wait_for 60 "slurmdbd" sacctmgr -n list cluster
  if ! sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER"; then
    sacctmgr -i add cluster "$CLUSTER" >/dev/null
  fi
  if ! running "$STATE/run/slurmctld.pid"; then
    log "starting slurmctld"
    slurmctld
  fi
  wait_for 60 "slurmctld" scontrol ping
  if ! running "$STATE/run/slurmd.pid"; then
    log "starting slurmd"
    slurmd -N "$NODE"
  fi
  # An account for the submitting user, so that the executor plugin finds one on its own.
  local user
  user=${SUDO_USER:-root}
  if ! sacctmgr -n -P list account format=account | grep -qx colourfr; then
    sacctmgr -i add account colourfr cluster="$CLUSTER" description="colourfr CI" >/dev/null
  fi
  if ! sacctmgr -n -P list user "$user" format=user | grep -qx "$user"; then
    sacctmgr -i add user "$user" account=colourfr cluster="$CLUSTER" >/dev/null
  fi
  # A node left DOWN/DRAIN by an earlier run is brought back.
  scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
  if ! (wait_for 90 "node $NODE to be idle" sh -c "sinfo -h -n '$NODE' -o '%T' | grep -Eq '^(idle|mixed|allocated)\$'"); then
    log "node state: $(sinfo -h -n "$NODE" -o '%T %E' 2>&1)"
    log "slurmd running: $(running "$STATE/run/slurmd.pid" && echo yes || echo no)"
    log "last lines of $STATE/log/slurmd.log:"
    tail -n 20 "$STATE/log/slurmd.log" >&2 2>/dev/null || true
    log "last lines of $STATE/log/slurmctld.log:"
    tail -n 20 "$STATE/log/slurmctld.log" >&2 2>/dev/null || true
    exit 1
  fi
  log "ready: $(sinfo -h -o '%P %D %T %c CPUs %m MB' | head -1)"
}

main() {
  [ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons)"
  install_packages
  mkdir -p "$STATE/log"
  start_munge
  start_mariadb
  write_configs
  start_slurm
}

# Sourcing the script (tests/test_slurm.py) defines the functions without starting anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main
fi
