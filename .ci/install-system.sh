#!/usr/bin/env bash
# Installs the Debian packages the test suite and the embedded enclave need.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
# runc, iptables, ipset: the real test node (containerd, kube-router); buildah, mmdebstrap,
# busybox-static: images built here without a registry.
packages=(postgresql chromium clamav nftables iproute2 python3-venv unzip openssl procps
  runc iptables ipset buildah mmdebstrap busybox-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[install-system] all Debian packages present"
  exit 0
fi
echo "[install-system] installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[install-system] done"
