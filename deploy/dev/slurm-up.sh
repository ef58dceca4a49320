#!/usr/bin/env bash
# Starts a real single-node Slurm (munged, slurmctld, slurmd) on this machine without systemd or cgroups, for overtune's
# Slurm test and for trying deploy/slurm/ by hand: node "localhost", partition "ci", one task per CPU, no accounting.
# Idempotent: installs Debian's munge/slurmctld/slurmd/slurm-client only when missing (root), starts only what is down,
# and records the PIDs it started under $OVERTUNE_SERVICES (default /run/overtune-services) for slurm-down.sh.
set -euo pipefail
state=${OVERTUNE_SERVICES:-/run/overtune-services}
conf=/etc/slurm/slurm.conf
marker='# written by overtune deploy/dev/slurm-up.sh'

[ "$(id -u)" -eq 0 ] || { echo "slurm-up: must run as root" >&2; exit 1; }
mkdir -p "$state"
if [ -e "$conf" ] && ! grep -qxF "$marker" "$conf" && ! grep -qxF '# written by infra/slurm-up.sh' "$conf"; then
  echo "slurm-up: $conf was not written by this script; not touching it" >&2; exit 1
fi
need=()
for p in munge slurmctld slurmd slurm-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "slurm-up: installed ${need[*]}"
fi

alive() { local pid; pid=$(cat "$2" 2>/dev/null) && [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; }
started() {
  local i; for i in $(seq 50); do alive "$1" "$2" && break; sleep 0.1; done
  alive "$1" "$2" || { echo "slurm-up: $1 did not start" >&2; exit 1; }
  cp "$2" "$state/$1.pid"; echo "slurm-up: started $1 (pid $(cat "$2"))"
}

if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi
if munge -n >/dev/null 2>&1; then
  echo "slurm-up: munged already running"
else
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  started munged /run/munge/munged.pid
fi

hw=$(slurmd -C)
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
cat >"$conf.new" <<EOF2
$marker
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=5
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF2
mv "$conf.new" "$conf"
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm

if alive slurmctld /run/slurmctld.pid; then
  echo "slurm-up: slurmctld already running (pid $(cat /run/slurmctld.pid))"
else
  /usr/sbin/slurmctld
  started slurmctld /run/slurmctld.pid
fi
if alive slurmd /run/slurmd.pid; then
  echo "slurm-up: slurmd already running (pid $(cat /run/slurmd.pid))"
else
  /usr/sbin/slurmd -N localhost
  started slurmd /run/slurmd.pid
fi
st=
for i in $(seq 60); do
  st=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  case "$st" in idle|mixed|allocated) break ;; esac
  [ "$i" -eq 20 ] && scontrol update nodename=localhost state=resume 2>/dev/null || true
  sleep 0.5
done
case "$st" in
  idle|mixed|allocated) echo "slurm-up: ready: partition ci, node localhost ($st), CPUs=$cpus" ;;
  *) echo "slurm-up: node localhost not usable (state '$st'); see /var/log/slurm/" >&2; exit 1 ;;
esac
