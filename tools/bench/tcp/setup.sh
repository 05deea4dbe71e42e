#!/usr/bin/env bash
# Installs what the TCP benchmark needs beyond CI's setup (tools/setup/install-deps.sh), then builds
# tools/bench, which builds the gVisor and lwIP endpoints once their packages are present. Kept out
# of CI on purpose: the benchmark is run by hand. Idempotent: installed packages are left alone.
# Run as root on Debian 12:
#   bash tools/bench/tcp/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  golang-go                # go 1.19, builds the gVisor endpoint offline (GOPATH mode, no proxy)
  golang-gvisor-gvisor-dev # gVisor's netstack sources, 0.0~20221219, under /usr/share/gocode
  liblwip-dev              # lwIP 2.1.3, headers and library, for the lwIP endpoint
  wrk                      # HTTP load generator (keep-alive connections, Lua summary)
  cmake gcc make           # the kernel-side client and the lwIP endpoint
)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel
