#!/usr/bin/env bash
# Installs what building and testing Magma needs on a Debian machine that has Node.js and git:
# the pinned pnpm, the Debian packages the native builds and network tests use, and the workspace's
# npm dependencies. Idempotent: what is already there is left alone. Run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  npm install --global --no-fund --no-audit "pnpm@$pnpm_version"
fi

debian_packages=(
  cmake g++ make ninja-build pkg-config  # native builds (cmake-js and the scripts use Ninja when present)
  g++-mingw-w64-x86-64                 # the Windows build, compiled and linked in CI
  wine wine64                          # the Windows build run by Node.js for Windows (tools/wine-test); 64-bit only, no i386
  g++-aarch64-linux-gnu qemu-user ethtool  # the linux-arm64 prebuild, its tests under qemu-user
  clang libclang-rt-14-dev             # sanitizer runtimes
  iproute2 iputils-ping socat nftables # network namespaces and kernel-side peers
  python3-scapy tshark                 # packets crafted and decoded by tools we did not write
  libssl-dev                           # headers appium-ios-tuntap's addon (a benchmark baseline) builds with
  osslsigncode                         # verifies the Authenticode signatures of the shipped wintun.dll files
)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

pnpm install --frozen-lockfile
