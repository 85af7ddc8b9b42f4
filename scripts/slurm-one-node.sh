#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (Debian's slurm-wlm and munge), as root, without
# systemd: munged, then slurmctld and slurmd, with a slurm.conf naming this host and one partition
# with all its CPUs. The tests of `sarlab sweep --slurm` submit to it.
#
#   sudo scripts/slurm-one-node.sh          # start (or check) the cluster; waits until the node is idle
#   sudo scripts/slurm-one-node.sh --stop   # stop the daemons this script started
#
# Idempotent: a cluster that already answers is left alone; a daemon that is missing is started;
# a node left down or drained (e.g. by a restart) is resumed. The daemons talk over the loopback
# interface (this host's name need not resolve). An /etc/slurm/slurm.conf that this
# script did not write is never overwritten.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARK='# written by sarlab scripts/slurm-one-node.sh'
HOST=$(hostname -s)
CPUS=$(nproc)
RUN=/run/sarlab-slurm
LOGS=/var/log/slurm
WAIT_SECONDS=${SLURM_START_TIMEOUT:-60}

say() { echo "slurm-one-node: $*" >&2; }
die() {
  say "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (the daemons run as root and jobs run as root)"
for cmd in munged slurmctld slurmd sinfo scontrol; do
  command -v "$cmd" >/dev/null || die "$cmd not found: apt-get install slurm-wlm munge"
done

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-}" = "--stop" ]; then
  for name in slurmd slurmctld; do
    if alive "$RUN/$name.pid"; then
      kill "$(cat "$RUN/$name.pid")" && say "stopped $name"
    fi
  done
  if alive /run/munge/munged.pid; then kill "$(cat /run/munge/munged.pid)" && say "stopped munged"; fi
  exit 0
fi

mkdir -p "$RUN" "$LOGS" /var/spool/slurmctld /var/spool/slurmd

# --- munge: the credentials between the daemons and the commands.
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  runuser -u munge -- /usr/sbin/munged
  say "started munged"
fi

# --- slurm.conf for this host.
conf=$(
  cat <<EOF
$MARK
ClusterName=sarlab
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
)
changed=no
if [ -f "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
  say "$CONF exists and was not written by this script: using it as it is"
elif [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$conf" ]; then
  mkdir -p "$CONF_DIR"
  printf '%s\n' "$conf" >"$CONF"
  changed=yes
  say "wrote $CONF ($HOST, $CPUS CPUs)"
fi

# A changed configuration (another host name, other CPUs) needs the daemons this script started anew.
if [ "$changed" = yes ]; then
  for name in slurmd slurmctld; do
    if alive "$RUN/$name.pid"; then
      pid=$(cat "$RUN/$name.pid")
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      say "stopped $name (configuration changed)"
    fi
  done
fi

# --- the daemons (each daemonizes itself and writes its pid file).
if ! scontrol ping 2>/dev/null | grep -q 'is UP'; then
  slurmctld
  say "started slurmctld"
fi
if ! alive "$RUN/slurmd.pid"; then
  slurmd
  say "started slurmd"
fi

# --- wait (bounded) until the node takes jobs.
deadline=$((SECONDS + WAIT_SECONDS))
resumed=no
while :; do
  state=$(sinfo --noheader --nodes="$HOST" --format=%T 2>/dev/null | head -n 1 || true)
  case "$state" in
  idle | mixed | allocated | completing)
    say "node $HOST is $state (partition main, $CPUS CPUs)"
    exit 0
    ;;
  down* | drain* | drained*)
    if [ "$resumed" = no ]; then
      scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true
      resumed=yes
    fi
    ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    die "node $HOST not idle after ${WAIT_SECONDS}s (state: ${state:-no answer}); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
  fi
  sleep 0.5
done
