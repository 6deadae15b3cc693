# SPDX-License-Identifier: BSD-3-Clause
function(ecmh_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wcast-qual -Wcast-align
                         -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
  if(ECMH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
