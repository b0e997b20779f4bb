# SPDX-License-Identifier: GPL-3.0-or-later
# tpgm_fmt_first(<target>): puts the fmt headers that spdlog was built against ahead of
# LibTorch's include directories for <target> and everything that links it.
#
# Upstream LibTorch 2.x ships fmt 11 headers in its include directory. Debian's spdlog was built
# with fmt 9 (SPDLOG_FMT_EXTERNAL), and with LibTorch's fmt found first spdlog/common.h fails
# ("'basic_runtime' is not a member of 'fmt'"). Adding spdlog's include directory itself with
# -I does not help when it is a system directory (/usr/include: CMake leaves implicit directories
# out and GCC ignores -I for them), so a folder in the build tree holds only a link to that fmt
# and goes first (-I, before LibTorch's -isystem directories).
#
# Nothing changes when LibTorch's include directories hold no fmt, or the same fmt as spdlog's:
# Debian's LibTorch 1.13 uses the system fmt, so the default build has no extra flag.
# Call after find_package(Torch) and find_package(spdlog).
function(tpgm_fmt_first target)
  if(NOT TARGET spdlog::spdlog OR NOT TARGET fmt::fmt)
    return()  # spdlog with its bundled fmt (spdlog/fmt/bundled) is not shadowed
  endif()
  get_target_property(fmt_dirs fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  set(fmt_dir "")
  foreach(dir IN LISTS fmt_dirs)
    if(EXISTS "${dir}/fmt/core.h")
      set(fmt_dir "${dir}")
      break()
    endif()
  endforeach()
  if(fmt_dir STREQUAL "")
    return()
  endif()
  file(REAL_PATH "${fmt_dir}/fmt" fmt_real)
  set(shadowing "")
  foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
    if(EXISTS "${dir}/fmt/core.h")
      file(REAL_PATH "${dir}/fmt" torch_fmt_real)
      if(NOT torch_fmt_real STREQUAL fmt_real)
        set(shadowing "${dir}/fmt")
      endif()
    endif()
  endforeach()
  if(shadowing STREQUAL "")
    return()
  endif()
  set(first "${CMAKE_BINARY_DIR}/fmt-first")
  file(MAKE_DIRECTORY "${first}")
  file(REMOVE "${first}/fmt")
  file(CREATE_LINK "${fmt_real}" "${first}/fmt" SYMBOLIC COPY_ON_ERROR)
  target_include_directories(${target} BEFORE PUBLIC "${first}")
  message(STATUS "fmt: ${shadowing} (LibTorch's) would shadow ${fmt_real} (spdlog's); "
                 "${first} goes first")
endfunction()
