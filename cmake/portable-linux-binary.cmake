# Linux binaries that run on every glibc Node.js 20 runs on (2.28 and later), whatever the glibc
# and GCC of the build machine: the shipped prebuilds of @magma/wintun-native and the wintun
# emulator built with them. Off by default, so local and sanitizer builds stay as they are; the
# prebuild script turns it on with -DMAGMA_PORTABLE_LINUX=ON.
#
#   include(<repo>/cmake/portable-linux-binary.cmake)
#   magma_portable_linux_binary(<shared library target>)
option(MAGMA_PORTABLE_LINUX "Link for glibc 2.28+ with a static libstdc++ and libgcc, stripped" OFF)

set(MAGMA_PORTABLE_LINUX_DIR "${CMAKE_CURRENT_LIST_DIR}")
if(MAGMA_PORTABLE_LINUX)
  if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
    message(FATAL_ERROR "MAGMA_PORTABLE_LINUX is for Linux targets (this one is ${CMAKE_SYSTEM_NAME})")
  endif()
  # glibc-2.28-compat.c is C; enable_language must run at file scope, hence here.
  enable_language(C)
endif()

function(magma_portable_linux_binary target)
  if(NOT MAGMA_PORTABLE_LINUX)
    return()
  endif()
  # Hidden stand-ins for the glibc 2.29+ symbols the code and the static runtime reference.
  target_sources(${target} PRIVATE "${MAGMA_PORTABLE_LINUX_DIR}/glibc-2.28-compat.c")
  target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
    "${MAGMA_PORTABLE_LINUX_DIR}/portable-linux-binary.map")
  target_link_options(${target} PRIVATE
    # Old systems have an older libstdc++ (GLIBCXX_3.4.30 is GCC 12's) or none at all.
    -static-libstdc++ -static-libgcc
    # The static runtime stays private: the binary exports only its own API.
    "LINKER:--exclude-libs,ALL"
    # ... and so do the C++ templates its headers instantiate in the binary.
    "LINKER:--version-script=${MAGMA_PORTABLE_LINUX_DIR}/portable-linux-binary.map"
    "LINKER:--gc-sections"
    # Shipped stripped: no symbol table, no debug sections.
    -s)
  # Before glibc 2.34 the old symbol versions the stand-ins call live in these two libraries.
  target_link_libraries(${target} PRIVATE
    "-Wl,--push-state,--no-as-needed" "-l:libdl.so.2" "-l:libpthread.so.0" "-Wl,--pop-state")
endfunction()
