#!/usr/bin/env bash
# Compiles and links the addon for Windows x64 with mingw-w64 on Linux: the Windows files
# (LoadLibraryExW, WaitForMultipleObjects, GetLastError, IP Helper) and the static_asserts on the
# Win32 layouts they use. Node-API's functions come from the host executable: the addon links
# against a delay-import library made from node-api-headers' node_api.def, whose NODE.EXE the hook
# in native/src/platform/host_module_windows.cc maps to the running executable, so the addon loads
# in a renamed node.exe or Electron too. Output: build/windows/magma_wintun.node.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/windows
mkdir -p "$out"
def=$(node -p "require('node-api-headers').def_paths.node_api_def")
x86_64-w64-mingw32-dlltool --input-def "$def" --output-delaylib "$out/libnode_api.a"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" \
  -DMAGMA_NODE_IMPORT_LIBRARY="$PWD/$out/libnode_api.a" >/dev/null
cmake --build "$out" --parallel 2
