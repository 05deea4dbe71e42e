# The build settings both driver emulators (tools/wintun-emu, tools/tap-windows-emu) share:
# magma_emulator_build(<cache variable>) sets C11 and C++17 and a RelWithDebInfo default, and reads
# the sanitizer to build the library and tests with from that variable (address, thread or empty),
# adding its flags to everything the project builds after it. A macro, so the language standards
# land in the caller's scope.
macro(magma_emulator_build sanitizer_variable)
  set(CMAKE_CXX_STANDARD 17)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
  set(CMAKE_C_STANDARD 11)
  set(CMAKE_C_STANDARD_REQUIRED ON)
  if(NOT CMAKE_BUILD_TYPE)
    set(CMAKE_BUILD_TYPE RelWithDebInfo)
  endif()
  set(${sanitizer_variable} "" CACHE STRING "Sanitizer for the library and tests (address, thread)")
  if(${sanitizer_variable} STREQUAL "address")
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
  elseif(${sanitizer_variable} STREQUAL "thread")
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
    add_link_options(-fsanitize=thread)
  elseif(NOT ${sanitizer_variable} STREQUAL "")
    message(FATAL_ERROR "${sanitizer_variable} must be address, thread or empty")
  endif()
endmacro()
