# The sanitizer switch both driver emulators (tools/wintun-emu, tools/tap-windows-emu) build their
# library and tests with: magma_emulator_sanitizer(<cache variable>) reads that variable (address,
# thread or empty) and adds the flags to everything the project builds after it.
function(magma_emulator_sanitizer variable)
  set(${variable} "" CACHE STRING "Sanitizer for the library and tests (address, thread)")
  set(choice "${${variable}}")
  if(choice STREQUAL "address")
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
  elseif(choice STREQUAL "thread")
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
    add_link_options(-fsanitize=thread)
  elseif(NOT choice STREQUAL "")
    message(FATAL_ERROR "${variable} must be address, thread or empty")
  endif()
endfunction()
