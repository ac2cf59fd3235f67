#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine (for the tests of the Slurm executor).
#
#   eval "$(bash scripts/start-slurm.sh)"     # exports SLURM_CONF
#
# Installs Debian's slurm-wlm and munge when missing (root or sudo), writes a slurm.conf
# for this host alone (2 kinds of daemon: slurmctld, the controller; slurmd, the node) in
# $SCISTACK_SLURM_DIR (default /tmp/scistack-slurm), starts munged, slurmctld and slurmd
# when they are not running, waits until the node is idle, and prints the export line of
# SLURM_CONF on stdout (everything else goes to stderr). Safe to call again.
set -euo pipefail

DIR=${SCISTACK_SLURM_DIR:-/tmp/scistack-slurm}
say() { echo "[start-slurm] $*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
        say "not root and no sudo: cannot start SLURM daemons"; exit 1
    fi
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update >&2
    "${SUDO[@]}" apt-get install -y --no-install-recommends slurm-wlm munge >&2
fi

if ! pgrep -x munged >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        say "creating /etc/munge/munge.key"
        "${SUDO[@]}" sh -c 'dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null'
        "${SUDO[@]}" chown munge:munge /etc/munge/munge.key
        "${SUDO[@]}" chmod 400 /etc/munge/munge.key
    fi
    "${SUDO[@]}" mkdir -p /run/munge
    "${SUDO[@]}" chown munge:munge /run/munge
    say "starting munged"
    "${SUDO[@]}" su -s /bin/sh munge -c /usr/sbin/munged
fi

HOST=$(hostname)
CPUS=$(nproc)
CONF=$DIR/slurm.conf
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
cat > "$CONF.new" <<CONF
# A single-node SLURM for SciStack's tests (scripts/start-slurm.sh)
ClusterName=scistack
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MaxArraySize=1001
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
mv "$CONF.new" "$CONF"
export SLURM_CONF=$CONF

if ! pgrep -x slurmctld >/dev/null 2>&1; then
    say "starting slurmctld"
    "${SUDO[@]}" env SLURM_CONF="$CONF" slurmctld -f "$CONF"
fi
if ! pgrep -x slurmd >/dev/null 2>&1; then
    say "starting slurmd"
    "${SUDO[@]}" env SLURM_CONF="$CONF" slurmd -f "$CONF"
fi
for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
        say "ready: $(sinfo -h -o '%P %D %T %N' | head -n 1)"
        echo "export SLURM_CONF=$CONF"
        exit 0
    fi
    sleep 1
done
say "the node did not become idle; see $DIR/log"
exit 1
