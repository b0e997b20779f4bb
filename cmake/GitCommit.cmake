# SPDX-License-Identifier: GPL-3.0-or-later
# Run at build time (cmake -P) by backend/CMakeLists.txt: writes OUT, a header defining
# TPGM_GIT_COMMIT (the short commit, "-dirty" with uncommitted changes, "unknown" outside a git
# checkout). file(CONFIGURE) rewrites it only when it changes, so a new commit recompiles one file.
execute_process(COMMAND git -C ${SOURCE_DIR} rev-parse --short=12 HEAD
  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(COMMAND git -C ${SOURCE_DIR} status --porcelain --untracked-files=no
    OUTPUT_VARIABLE changes ERROR_QUIET)
  if(NOT changes STREQUAL "")
    string(APPEND commit "-dirty")
  endif()
endif()
file(CONFIGURE OUTPUT ${OUT} CONTENT "#define TPGM_GIT_COMMIT \"${commit}\"\n")
