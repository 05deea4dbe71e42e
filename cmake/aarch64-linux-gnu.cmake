# Cross-compiling for Linux arm64 with Debian's g++-aarch64-linux-gnu (the linux-arm64 prebuild
# that its tests run under qemu-user).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
# BOTH, not ONLY: the Node and libuv headers are found on the build machine (they are the same
# for every architecture), the C library's in the cross root.
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
