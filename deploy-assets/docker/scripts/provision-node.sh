#!/usr/bin/env bash
# k2s node provisioning: prepares a fresh Ubuntu VPS to run the k2s stack.
# k2ops runs it as root on stdin over SSH (`sudo bash -s`, provisioning.md Step 4);
# it is safe to run again (every step checks before it changes anything).
#
#   1 timezone Asia/Singapore       9 IPv6 kernel params
#   2 snapd removed (and pinned)   10 BBR congestion control
#   3 1 GiB swap on small machines 11 Docker daemon (log rotation, IPv6)
#   4 old Docker packages removed  12 UFW (warned about, never changed)
#   5 iptables installed           13 SSH on 1022 only (two phases, rollback)
#   6 Docker's apt source          14 journald persistent + crash monitor
#   7 Docker CE + compose plugin   15 auto-update cron
#   8 docker-compose wrapper       16 verification summary
#
# Exit 0 with "Provisioning complete. <W> warning(s)." or 1 with "FATAL: ..." or
# "Provisioning completed with <E> error(s), <W> warning(s).". Output has no secret.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive

WARNINGS=0
ERRORS=0
ok() { printf '\033[32m>>> %s\033[0m\n' "$*"; }
warn() { WARNINGS=$((WARNINGS + 1)); printf '\033[33m>>> %s\033[0m\n' "$*"; }
fail() { ERRORS=$((ERRORS + 1)); printf '\033[31m>>> %s\033[0m\n' "$*"; }
die() { printf '\033[31mFATAL: %s\033[0m\n' "$*"; exit 1; }
step() { printf '\n[%s/16] %s\n' "$1" "$2"; }

[ "$(id -u)" = 0 ] || die "Must run as root (sudo bash provision-node.sh)"
[ -r /etc/os-release ] && . /etc/os-release
[ "${ID:-}" = ubuntu ] || die "Ubuntu only."
echo "Detected: Ubuntu ${VERSION_ID:-?} (${VERSION_CODENAME:-?})"

if command -v docker > /dev/null 2>&1 && [ "$(sysctl -n net.ipv4.tcp_congestion_control 2> /dev/null)" = bbr ] && ss -tln 2> /dev/null | grep -q ':1022 '; then
  echo "Node appears already provisioned (Docker + BBR + SSH 1022)."
  echo "Re-running to ensure all settings are current..."
fi

# apt may be busy right after boot (cloud-init, unattended-upgrades)
apt_wait() {
  for _ in $(seq 1 60); do
    fuser /var/lib/dpkg/lock-frontend > /dev/null 2>&1 || return 0
    sleep 5
  done
  fail "apt is still locked after 5 minutes"
  return 1
}

step 1 "Setting timezone to Asia/Singapore (UTC+8)..."
if timedatectl set-timezone Asia/Singapore 2> /dev/null; then :; else ln -sf /usr/share/zoneinfo/Asia/Singapore /etc/localtime; fi
ok "Timezone set to $(timedatectl show -p Timezone --value 2> /dev/null || echo Asia/Singapore) ($(TZ=Asia/Singapore date +'%Z %z'))."

step 2 "Removing snapd and reclaiming space..."
if command -v snap > /dev/null 2>&1; then
  for s in $(snap list 2> /dev/null | awk 'NR > 1 { print $1 }' | tac); do snap remove --purge "$s" > /dev/null 2>&1 || true; done
  apt_wait && apt-get purge -y snapd > /dev/null 2>&1 || warn "snapd could not be purged"
  hash -r # bash remembers where it ran `snap` from: forget it, or `command -v snap` (step 16) still finds it
fi
mkdir -p /etc/apt/preferences.d
printf 'Package: snapd\nPin: release a=*\nPin-Priority: -10\n' > /etc/apt/preferences.d/no-snapd
ok "snapd removed and pinned out."

step 3 "Setting up swap..."
RAM_MB=$(free -m | awk '/^Mem:/ { print $2 }')
if [ -n "$(swapon --show --noheadings 2> /dev/null)" ]; then
  ok "Swap already present."
elif [ "${RAM_MB:-0}" -le 2048 ]; then
  if fallocate -l 1G /swapfile && chmod 600 /swapfile && mkswap /swapfile > /dev/null && swapon /swapfile; then
    grep -q '^/swapfile ' /etc/fstab || echo '/swapfile none swap sw 0 0' >> /etc/fstab
    ok "1 GiB swap at /swapfile."
  else
    warn "swap could not be set up"
  fi
else
  ok "RAM ${RAM_MB} MB: no swap needed."
fi
sysctl vm.swappiness=10 > /dev/null 2>&1 || true
echo 'vm.swappiness=10' > /etc/sysctl.d/99-k2s-swappiness.conf

step 4 "Cleaning old Docker versions..."
apt_wait && apt-get remove -y docker.io docker-doc docker-compose podman-docker > /dev/null 2>&1 || true
ok "Old Docker packages removed (if any)."

step 5 "Ensuring iptables is installed..."
apt_wait && apt-get install -y iptables > /dev/null 2>&1 || warn "iptables could not be installed"
ok "iptables: $(iptables --version 2> /dev/null || echo missing) (using OS default backend)"

step 6 "Configuring official Docker apt source..."
install -m 0755 -d /etc/apt/keyrings
if [ ! -s /etc/apt/keyrings/docker.gpg ]; then
  curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --dearmor -o /etc/apt/keyrings/docker.gpg || die "Docker's GPG key could not be downloaded"
fi
chmod a+r /etc/apt/keyrings/docker.gpg
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu ${VERSION_CODENAME:-jammy} stable" > /etc/apt/sources.list.d/docker.list
ok "Docker apt source configured."

step 7 "Installing Docker CE + plugins..."
apt_wait || die "apt is locked"
apt-get update > /dev/null 2>&1 || die "apt-get update failed"
apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin > /dev/null 2>&1 || die "Docker CE could not be installed"
id ubuntu > /dev/null 2>&1 && usermod -aG docker ubuntu
apt-get purge -y unattended-upgrades > /dev/null 2>&1 || true
ok "$(docker --version)"

step 8 "Creating docker-compose compatibility wrapper..."
printf '#!/bin/sh\nexec docker compose "$@"\n' > /usr/local/bin/docker-compose
chmod 755 /usr/local/bin/docker-compose
ln -sf /usr/local/bin/docker-compose /usr/bin/docker-compose
ok "docker-compose -> docker compose"

set_sysctl() {
  if grep -qE "^\s*$1\s*=" /etc/sysctl.conf; then sed -i -E "s|^\s*$1\s*=.*|$1 = $2|" /etc/sysctl.conf; else echo "$1 = $2" >> /etc/sysctl.conf; fi
}

step 9 "Enabling IPv6 kernel params..."
[ -f /etc/sysctl.conf.bak_provision ] || cp /etc/sysctl.conf /etc/sysctl.conf.bak_provision 2> /dev/null || true
for k in all default lo; do set_sysctl "net.ipv6.conf.$k.disable_ipv6" 0; done
ok "IPv6 enabled in /etc/sysctl.conf."

step 10 "Enabling BBR congestion control..."
set_sysctl net.core.default_qdisc fq
set_sysctl net.ipv4.tcp_congestion_control bbr
sysctl -p > /dev/null 2>&1 || true
sysctl net.core.default_qdisc=fq > /dev/null 2>&1 || true
sysctl net.ipv4.tcp_congestion_control=bbr > /dev/null 2>&1 || true
if [ "$(sysctl -n net.ipv4.tcp_congestion_control 2> /dev/null)" = bbr ]; then ok "TCP congestion control: bbr"; else warn "the kernel has no bbr: $(sysctl -n net.ipv4.tcp_congestion_control 2> /dev/null)"; fi

step 11 "Configuring Docker daemon..."
mkdir -p /etc/docker
cat > /etc/docker/daemon.json << 'JSON'
{
  "log-driver": "json-file",
  "log-opts": { "max-size": "100m", "max-file": "3" },
  "ipv6": true,
  "ip6tables": true,
  "fixed-cidr-v6": "fd00:1::/80"
}
JSON
systemctl restart docker || { sleep 5; systemctl restart docker; } || die "Docker did not restart with the new daemon.json"
ok "Docker daemon configured and restarted."

step 12 "Checking UFW..."
if command -v ufw > /dev/null 2>&1 && ufw status 2> /dev/null | grep -q 'Status: active'; then
  warn "UFW is active: Docker's published ports (443, the hop range) may be blocked; not changed here"
else
  ok "UFW not active."
fi

step 13 "Hardening SSH: port 22 -> 1022 only..."
SSHD_DROPIN=/etc/ssh/sshd_config.d/99-k2s-port.conf
ssh_restart() {
  # Ubuntu 24.04 starts sshd from ssh.socket, which ignores Port lines: run the service instead
  if systemctl is-active ssh.socket > /dev/null 2>&1; then systemctl disable --now ssh.socket > /dev/null 2>&1; fi
  systemctl restart ssh > /dev/null 2>&1 || systemctl restart sshd > /dev/null 2>&1
}
listening() { ss -tln 2> /dev/null | grep -qE "[:.]$1\s"; }
# sshd takes a moment to bind after a restart (longer on a busy machine): up to 15 s
wait_listening() {
  for _ in $(seq 1 30); do
    listening "$1" && return 0
    sleep 0.5
  done
  return 1
}
if listening 1022 && ! listening 22; then
  ok "SSH already on 1022 only."
else
  mkdir -p /etc/ssh/sshd_config.d
  # phase 1: both ports, so a failure leaves 22 working
  printf 'Port 22\nPort 1022\n' > "$SSHD_DROPIN"
  if sshd -t && ssh_restart && wait_listening 1022; then
    # phase 2: 1022 only (the session running this script survives the restart)
    printf 'Port 1022\n' > "$SSHD_DROPIN"
    if sshd -t && ssh_restart && wait_listening 1022; then
      ok "SSH listens on 1022 only."
    else
      printf 'Port 22\nPort 1022\n' > "$SSHD_DROPIN"
      ssh_restart
      fail "SSH on 1022 only did not come up: rolled back to 22 + 1022"
    fi
  else
    rm -f "$SSHD_DROPIN"
    ssh_restart
    fail "SSH on 1022 did not come up: rolled back to 22"
  fi
fi

step 14 "Configuring journald persistence + crash monitor..."
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=persistent\nSystemMaxUse=500M\nMaxRetentionSec=30day\n' > /etc/systemd/journald.conf.d/k2s.conf
systemctl restart systemd-journald > /dev/null 2>&1 || true
if [ -f /apps/k2s/k2s-crash-monitor.sh ]; then
  printf '[Unit]\nDescription=k2s crash monitor\nAfter=docker.service\n\n[Service]\nExecStart=/apps/k2s/k2s-crash-monitor.sh\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n' > /etc/systemd/system/k2s-crash-monitor.service
  systemctl daemon-reload && systemctl enable --now k2s-crash-monitor > /dev/null 2>&1 && ok "Crash monitor active." || warn "the crash monitor did not start"
else
  warn "/apps/k2s/k2s-crash-monitor.sh not found: crash monitor not installed (deploy the stack, then run this again)"
fi

step 15 "Deploying auto-update cron..."
CRON_LINE='0 4 * * * /apps/k2s/auto-update.sh >> /apps/k2s/auto-update.log 2>&1'
if [ -f /apps/k2s/auto-update.sh ]; then
  (crontab -l 2> /dev/null | grep -v 'auto-update.sh'; echo "$CRON_LINE") | crontab -
  ok "auto-update cron installed."
else
  warn "/apps/k2s/auto-update.sh not found: cron not installed (deploy the stack, then run this again)"
fi

step 16 "Verifying..."
printf '%-13s%s\n' "Timezone:" "$(timedatectl | awk '/Time zone/ { print $3, $4 }')"
printf '%-13s%s\n' "Ubuntu:" "${VERSION_ID:-?} (${VERSION_CODENAME:-?})"
printf '%-13s%s\n' "Docker:" "$(docker --version 2> /dev/null || echo missing)"
printf '%-13s%s\n' "Compose:" "$(docker compose version 2> /dev/null || echo missing)"
printf '%-13s%s\n' "iptables:" "$(iptables --version 2> /dev/null || echo missing)"
printf '%-13s%s\n' "Docker IPv6:" "$(grep -q '"ipv6": true' /etc/docker/daemon.json 2> /dev/null && echo true || echo false)"
printf '%-13s%s\n' "TCP CC:" "$(sysctl -n net.ipv4.tcp_congestion_control 2> /dev/null)"
printf '%-13s%s\n' "SSH port:" "$(listening 1022 && ! listening 22 && echo '1022 OK' || echo 'NOT 1022 only')"
printf '%-13s%s\n' "Swap:" "$(swapon --show --noheadings 2> /dev/null | awk '{ print $1, $3 }' | head -1)"
printf '%-13s%s\n' "Swappiness:" "$(sysctl -n vm.swappiness 2> /dev/null)"
printf '%-13s%s\n' "Snapd:" "$(command -v snap > /dev/null 2>&1 && echo present || echo removed)"
printf '%-13s%s\n' "Cron:" "$(crontab -l 2> /dev/null | grep -c 'auto-update.sh') auto-update entry"
printf '%-13s%s\n' "Journald:" "persistent (500M/30d)"
printf '%-13s%s\n' "CrashMon:" "$(systemctl is-active k2s-crash-monitor 2> /dev/null)"
echo
if [ "$ERRORS" -gt 0 ]; then
  echo "Provisioning completed with $ERRORS error(s), $WARNINGS warning(s)."
  exit 1
fi
echo "Provisioning complete. $WARNINGS warning(s)."
