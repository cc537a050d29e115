// A simulated node's own /etc: the files an Ubuntu cloud image (Lightsail, EC2) ships
// that provisioning (provision-node.sh, node-behavior.md §8) reads or edits, laid
// into the upper layer of the node's overlay over the host's /etc (fleet.ts). The
// host's own copies stay hidden and untouched; everything else in /etc (passwd,
// sudoers, resolv.conf, zoneinfo links …) is the host's, read-only through the overlay.

export type UbuntuRelease = { version: string; point: string; codename: string; name: string };

export const JAMMY: UbuntuRelease = { version: "22.04", point: "22.04.5", codename: "jammy", name: "Jammy Jellyfish" };
export const FOCAL: UbuntuRelease = { version: "20.04", point: "20.04.6", codename: "focal", name: "Focal Fossa" };

function osRelease(r: UbuntuRelease): string {
  return [
    `PRETTY_NAME="Ubuntu ${r.point} LTS"`,
    `NAME="Ubuntu"`,
    `VERSION_ID="${r.version}"`,
    `VERSION="${r.point} LTS (${r.name})"`,
    `VERSION_CODENAME=${r.codename}`,
    "ID=ubuntu",
    "ID_LIKE=debian",
    `HOME_URL="https://www.ubuntu.com/"`,
    `SUPPORT_URL="https://help.ubuntu.com/"`,
    `BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"`,
    `PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"`,
    `UBUNTU_CODENAME=${r.codename}`,
    "",
  ].join("\n");
}

/** openssh-server's stock sshd_config on Ubuntu (8.9p1): the drop-ins come first, Port stays commented (22). */
const SSHD_CONFIG = `
# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

# This sshd was compiled with PATH=/usr/bin:/bin:/usr/sbin:/sbin

# The strategy used for options in the default sshd_config shipped with
# OpenSSH is to specify options with their default value where
# possible, but leave them commented.  Uncommented options override the
# default value.

Include /etc/ssh/sshd_config.d/*.conf

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key

# Ciphers and keying
#RekeyLimit default none

# Logging
#SyslogFacility AUTH
#LogLevel INFO

# Authentication:

#LoginGraceTime 2m
#PermitRootLogin prohibit-password
#StrictModes yes
#MaxAuthTries 6
#MaxSessions 10

#PubkeyAuthentication yes

# Expect .ssh/authorized_keys2 to be disregarded by default in future.
#AuthorizedKeysFile	.ssh/authorized_keys .ssh/authorized_keys2

#AuthorizedPrincipalsFile none

#AuthorizedKeysCommand none
#AuthorizedKeysCommandUser nobody

# For this to work you will also need host keys in /etc/ssh/ssh_known_hosts
#HostbasedAuthentication no
# Change to yes if you don't trust ~/.ssh/known_hosts for
# HostbasedAuthentication
#IgnoreUserKnownHosts no
# Don't read the user's ~/.rhosts and ~/.shosts files
#IgnoreRhosts yes

# To disable tunneled clear text passwords, change to no here!
#PasswordAuthentication yes
#PermitEmptyPasswords no

# Change to yes to enable challenge-response passwords (beware issues with
# some PAM modules and threads)
KbdInteractiveAuthentication no

# Kerberos options
#KerberosAuthentication no
#KerberosOrLocalPasswd yes
#KerberosTicketCleanup yes
#KerberosGetAFSToken no

# GSSAPI options
#GSSAPIAuthentication no
#GSSAPICleanupCredentials yes
#GSSAPIStrictAcceptorCheck yes
#GSSAPIKeyExchange no

# Set this to 'yes' to enable PAM authentication, account processing,
# and session processing. If this is enabled, PAM authentication will
# be allowed through the KbdInteractiveAuthentication and
# PasswordAuthentication.  Depending on your PAM configuration,
# PAM authentication via KbdInteractiveAuthentication may bypass
# the setting of "PermitRootLogin without-password".
# If you just want the PAM account and session checks to run without
# PAM authentication, then enable this but set PasswordAuthentication
# and KbdInteractiveAuthentication to 'no'.
UsePAM yes

#AllowAgentForwarding yes
#AllowTcpForwarding yes
#GatewayPorts no
X11Forwarding yes
#X11DisplayOffset 10
#X11UseLocalhost yes
#PermitTTY yes
PrintMotd no
#PrintLastLog yes
#TCPKeepAlive yes
#PermitUserEnvironment no
#Compression delayed
#ClientAliveInterval 0
#ClientAliveCountMax 3
#UseDNS no
#PidFile /run/sshd.pid
#MaxStartups 10:30:100
#PermitTunnel no
#ChrootDirectory none
#VersionAddendum none

# no default banner path
#Banner none

# Allow client to pass locale environment variables
AcceptEnv LANG LC_*

# override default of no subsystems
Subsystem	sftp	/usr/lib/openssh/sftp-server

# Example of overriding settings on a per-user basis
#Match User anoncvs
#	X11Forwarding no
#	AllowTcpForwarding no
#	PermitTTY no
#	ForceCommand cvs server
`;

/** procps' stock /etc/sysctl.conf on Ubuntu: every line commented. */
const SYSCTL_CONF = `#
# /etc/sysctl.conf - Configuration file for setting system variables
# See /etc/sysctl.d/ for additional system variables.
# See sysctl.conf (5) for information.
#

#kernel.domainname = example.com

# Uncomment the following to stop low-level messages on console
#kernel.printk = 3 4 1 3

###################################################################
# Functions previously found in netbase
#

# Uncomment the next two lines to enable Spoof protection (reverse-path filter)
# Turn on Source Address Verification in all interfaces to
# prevent some spoofing attacks
#net.ipv4.conf.default.rp_filter=1
#net.ipv4.conf.all.rp_filter=1

# Uncomment the next line to enable TCP/IP SYN cookies
# See http://lwn.net/Articles/277146/
# Note: This may impact IPv6 TCP sessions too
#net.ipv4.tcp_syncookies=1

# Uncomment the next line to enable packet forwarding for IPv4
#net.ipv4.ip_forward=1

# Uncomment the next line to enable packet forwarding for IPv6
#  Enabling this option disables Stateless Address Autoconfiguration
#  based on Router Advertisements for this host
#net.ipv6.conf.all.forwarding=1


###################################################################
# Additional settings - these settings can improve the network
# security of the host and prevent against some network attacks
# including spoofing attacks and man in the middle attacks through
# redirection. Some network environments, however, require that these
# settings are disabled so review and enable them as needed.
#
# Do not accept ICMP redirects (prevent MITM attacks)
#net.ipv4.conf.all.accept_redirects = 0
#net.ipv6.conf.all.accept_redirects = 0
# _or_
# Accept ICMP redirects only for gateways listed in our default
# gateway list (enabled by default)
# net.ipv4.conf.all.secure_redirects = 1
#
# Do not send ICMP redirects (we are not a router)
#net.ipv4.conf.all.send_redirects = 0
#
# Do not accept IP source route packets (we are not a router)
#net.ipv4.conf.all.accept_source_route = 0
#net.ipv6.conf.all.accept_source_route = 0
#
# Log Martian Packets
#net.ipv4.conf.all.log_martians = 1
#

###################################################################
# Magic system request Key
# 0=Disable, 1=Enable all, >1 bitmask of sysrq functions
# See https://www.kernel.org/doc/html/latest/admin-guide/sysrq.html
# for what other values do
#kernel.sysrq=438
`;

const FSTAB = "LABEL=cloudimg-rootfs\t/\t ext4\tdiscard,errors=remount-ro\t0 1\nLABEL=UEFI\t/boot/efi\tvfat\tumask=0077\t0 1\n";

const DAEMON_JSON = `{
  "log-driver": "json-file",
  "log-opts": { "max-size": "100m", "max-file": "3" },
  "ipv6": true,
  "ip6tables": true,
  "fixed-cidr-v6": "fd00:1::/80"
}
`;

/**
 * The node's own /etc files (paths relative to /etc). A fresh machine has the image's
 * stock files; a provisioned one (provisioned: true) also has what provision-node.sh
 * left there long ago: the SSH port drop-in for its ports, the sysctl lines (BBR only
 * where it took), Docker's daemon.json, the snapd pin, journald's drop-in.
 */
export function etcSeeds(o: { release: UbuntuRelease; provisioned: boolean; sshPorts: number[]; bbr: boolean }): Record<string, string> {
  const r = o.release;
  const files: Record<string, string> = {
    "os-release": osRelease(r),
    "lsb-release": `DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=${r.version}\nDISTRIB_CODENAME=${r.codename}\nDISTRIB_DESCRIPTION="Ubuntu ${r.point} LTS"\n`,
    "ssh/sshd_config": SSHD_CONFIG,
    // cloud-init's drop-in of Ubuntu's cloud images
    "ssh/sshd_config.d/60-cloudimg-settings.conf": "PasswordAuthentication no\n",
    "sysctl.conf": SYSCTL_CONF,
    fstab: FSTAB,
  };
  if (!(o.sshPorts.length === 1 && o.sshPorts[0] === 22)) files["ssh/sshd_config.d/99-k2s-port.conf"] = o.sshPorts.map((p) => `Port ${p}\n`).join("");
  if (o.provisioned) {
    files["sysctl.conf"] += ["all", "default", "lo"].map((k) => `net.ipv6.conf.${k}.disable_ipv6 = 0\n`).join("") + (o.bbr ? "net.core.default_qdisc = fq\nnet.ipv4.tcp_congestion_control = bbr\n" : "");
    files["sysctl.d/99-k2s-swappiness.conf"] = "vm.swappiness=10\n";
    files["docker/daemon.json"] = DAEMON_JSON;
    files["apt/preferences.d/no-snapd"] = "Package: snapd\nPin: release a=*\nPin-Priority: -10\n";
    files["systemd/journald.conf.d/k2s.conf"] = "[Journal]\nStorage=persistent\nSystemMaxUse=500M\nMaxRetentionSec=30day\n";
  }
  return files;
}
