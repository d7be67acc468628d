#!/bin/bash
# A single-node Slurm on this machine, for tests and trying the job scripts: `start` brings up
# munge, slurmctld and slurmd on 127.0.0.1 (as root, without systemd; Debian's slurm-wlm and
# munge packages), `stop` ends them. Everything stays on loopback. Not for production: one
# partition `ci`, no accounting, no cgroups.
set -euo pipefail
case "${1:-}" in
start)
    [ "$(id -u)" = 0 ] || { echo "local-cluster.sh: start needs root (the daemons run as munge and slurm)" >&2; exit 1; }
    for b in munged slurmctld slurmd sbatch sinfo; do
        command -v "$b" > /dev/null || { echo "local-cluster.sh: $b is missing: apt-get install slurm-wlm munge" >&2; exit 1; }
    done
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
    install -d -o munge -g munge -m 755 /run/munge
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2> /dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
    munge -n > /dev/null 2>&1 || runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 40); do munge -n > /dev/null 2>&1 && break; sleep 0.25; done
    munge -n > /dev/null 2>&1 || { echo "local-cluster.sh: munged did not start" >&2; exit 1; }
    # A fresh state each time: another ClusterName in an old state is fatal to slurmctld.
    scontrol shutdown > /dev/null 2>&1 || true
    for _ in $(seq 40); do pgrep -x slurmctld > /dev/null || pgrep -x slurmd > /dev/null || break; sleep 0.25; done
    rm -rf /var/lib/slurm/slurmctld
    install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/log/slurm
    install -d /var/lib/slurm/slurmd /etc/slurm
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=kloof
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld
    slurmd
    for _ in $(seq 60); do sinfo -h -o %T 2> /dev/null | grep -qx idle && exit 0; sleep 0.5; done
    echo "local-cluster.sh: the node did not come up idle; see /var/log/slurm/" >&2
    exit 1
    ;;
stop)
    scontrol shutdown > /dev/null 2>&1 || true
    [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2> /dev/null || true
    ;;
*)
    echo "usage: local-cluster.sh start|stop" >&2
    exit 2
    ;;
esac
