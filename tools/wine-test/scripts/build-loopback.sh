#!/usr/bin/env bash
# Builds the stand-in wintun.dll (loopback/wintun_loopback.cc) with mingw-w64, statically linked so
# it needs nothing but system DLLs under Wine. Output: build/wintun.dll.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
x86_64-w64-mingw32-g++-posix -std=c++17 -O2 -Wall -Wextra -Werror -shared -static \
  -D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN -DNOMINMAX \
  -I../../packages/wintun-native/native/include \
  -o build/wintun.dll loopback/wintun_loopback.cc loopback/device_registration.cc \
  -liphlpapi -lsetupapi -ladvapi32
