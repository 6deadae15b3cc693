# SPDX-License-Identifier: BSD-3-Clause
# The XDP fast path (issue 15): src/bpf/ecmh_xdp.bpf.c compiled by clang for the BPF
# target, then embedded in ecmh as a libbpf skeleton (bpftool gen skeleton).
#   ECMH_XDP=AUTO  on when libbpf >= 1.0, clang and bpftool are all found
#   ECMH_XDP=ON    the same, and a missing one is an error naming its Debian package
#   ECMH_XDP=OFF   no fast path; io/xdp_unavailable.cpp says so at run time
# Sets ECMH_XDP_ENABLED, and ecmh_xdp_enable(target) gives a target the skeleton.
set(ECMH_XDP AUTO CACHE STRING "XDP fast path through libbpf: AUTO, ON or OFF")
set_property(CACHE ECMH_XDP PROPERTY STRINGS AUTO ON OFF)

set(ECMH_XDP_ENABLED OFF)
if(NOT ECMH_XDP STREQUAL "OFF")
  set(_xdp_missing "")
  pkg_check_modules(LIBBPF QUIET IMPORTED_TARGET libbpf>=1.0)
  if(NOT LIBBPF_FOUND)
    list(APPEND _xdp_missing "libbpf >= 1.0 (Debian: libbpf-dev)")
  endif()
  # Any clang since 11 compiles the program; the host's C++ compiler may be gcc.
  find_program(ECMH_BPF_CLANG NAMES clang clang-19 clang-16 clang-14)
  if(NOT ECMH_BPF_CLANG)
    list(APPEND _xdp_missing "clang (Debian: clang)")
  endif()
  # Debian installs bpftool in /usr/sbin, which a user's PATH may lack.
  find_program(ECMH_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
  if(NOT ECMH_BPFTOOL)
    list(APPEND _xdp_missing "bpftool (Debian: bpftool)")
  endif()
  if(_xdp_missing STREQUAL "")
    set(ECMH_XDP_ENABLED ON)
  elseif(ECMH_XDP STREQUAL "ON")
    list(JOIN _xdp_missing ", " _xdp_text)
    message(FATAL_ERROR "ECMH_XDP is ON but not found: ${_xdp_text}")
  endif()
endif()

if(ECMH_XDP_ENABLED)
  # clang -target bpf does not search the host's multiarch directory, where Debian keeps
  # <asm/types.h>: hand it the host clang's own system directories, after everything
  # else (-idirafter), as libbpf-bootstrap's FindBpfObject does.
  execute_process(COMMAND ${ECMH_BPF_CLANG} -v -E - INPUT_FILE /dev/null
                  OUTPUT_QUIET ERROR_VARIABLE _clang_v)
  string(REGEX MATCH "#include <...> search starts here:\n(.*)End of search list" _ "${_clang_v}")
  string(REGEX REPLACE "\n +" ";" _dirs "${CMAKE_MATCH_1}")
  set(ECMH_BPF_SYSTEM_INCLUDES "")
  foreach(dir ${_dirs})
    string(STRIP "${dir}" dir)
    if(dir)
      list(APPEND ECMH_BPF_SYSTEM_INCLUDES -idirafter ${dir})
    endif()
  endforeach()

  set(_bpf_source ${PROJECT_SOURCE_DIR}/src/bpf/ecmh_xdp.bpf.c)
  set(_bpf_dir ${CMAKE_BINARY_DIR}/bpf)
  set(_bpf_object ${_bpf_dir}/ecmh_xdp.bpf.o)
  set(_bpf_skeleton ${_bpf_dir}/ecmh_xdp.skel.h)
  add_custom_command(
    OUTPUT ${_bpf_object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_bpf_dir}
    COMMAND ${ECMH_BPF_CLANG} -O2 -g -target bpf -Wall -Werror -I${PROJECT_SOURCE_DIR}/include
            ${ECMH_BPF_SYSTEM_INCLUDES} -c ${_bpf_source} -o ${_bpf_object}
    DEPENDS ${_bpf_source} ${PROJECT_SOURCE_DIR}/include/ecmh/io/xdp_abi.h
    COMMENT "Compiling the XDP program src/bpf/ecmh_xdp.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${_bpf_skeleton}
    COMMAND ${ECMH_BPFTOOL} gen skeleton ${_bpf_object} name ecmh_xdp > ${_bpf_skeleton}
    DEPENDS ${_bpf_object}
    COMMENT "Generating the skeleton ecmh_xdp.skel.h"
    VERBATIM)
  add_custom_target(ecmh_xdp_skeleton DEPENDS ${_bpf_skeleton})
endif()

# The skeleton for `target`: a SYSTEM include, so that its generated C (old-style casts,
# sign conversions) is not held to the project's warnings, and ECMH_HAVE_XDP.
function(ecmh_xdp_enable target)
  add_dependencies(${target} ecmh_xdp_skeleton)
  target_include_directories(${target} SYSTEM PRIVATE ${CMAKE_BINARY_DIR}/bpf)
  target_link_libraries(${target} PUBLIC PkgConfig::LIBBPF)
  target_compile_definitions(${target} PRIVATE ECMH_HAVE_XDP)
endfunction()
