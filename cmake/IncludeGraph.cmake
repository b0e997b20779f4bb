# SPDX-License-Identifier: GPL-3.0-or-later
# Folder-level include graph of the sources, and a check that it has no cycle.
#   cmake -DROOT=<project root> -P cmake/IncludeGraph.cmake
# Prints every edge between folders (backend/engine, ui/plots, app/cli, ... are separate nodes),
# then either "no include cycle among N folders" (exit 0) or each cycle with one example
# include per edge, followed by FATAL_ERROR (non-zero exit), so CTest can run it as a test.
cmake_minimum_required(VERSION 3.25)

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<project root> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
# REALPATH so that RELATIVE_PATH below agrees with the REALPATHs of the resolved headers.
get_filename_component(ROOT "${ROOT}" REALPATH)

# tpgm_resolve_folder(<includer dir> <include> <out>): the folder (relative to ROOT) of the
# header a quoted include names, searched in the compiler's order: next to the includer, then
# the include roots backend/ and ROOT. Empty when nothing matches (generated headers such as
# git_commit.h live in the build tree), so those includes drop out of the graph.
function(tpgm_resolve_folder dir inc out)
  set(${out} "" PARENT_SCOPE)
  foreach(base IN ITEMS "${dir}" "${ROOT}/backend" "${ROOT}")
    if(EXISTS "${base}/${inc}" AND NOT IS_DIRECTORY "${base}/${inc}")
      get_filename_component(file "${base}/${inc}" REALPATH)  # folds "../" and symlinks
      get_filename_component(folder "${file}" DIRECTORY)
      file(RELATIVE_PATH folder "${ROOT}" "${folder}")
      set(${out} "${folder}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# Scan. For each edge "from -> to" we keep a count and the first include seen as an example,
# in variables named after the edge text (read back through ${${var}}, which allows any name).
set(globs "")
foreach(top IN ITEMS backend ui app)
  foreach(ext IN ITEMS h hpp cpp)
    list(APPEND globs "${ROOT}/${top}/*.${ext}")
  endforeach()
endforeach()
file(GLOB_RECURSE sources LIST_DIRECTORIES false RELATIVE "${ROOT}" ${globs})
list(SORT sources)
set(folders "")
set(edges "")
foreach(src IN LISTS sources)
  get_filename_component(from "${src}" DIRECTORY)
  get_filename_component(name "${src}" NAME)
  list(APPEND folders "${from}")
  # Quoted includes only: <...> ones are system or third-party headers.
  file(STRINGS "${ROOT}/${src}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[^\"]*\"([^\"]+)\".*$" "\\1" inc "${line}")
    tpgm_resolve_folder("${ROOT}/${from}" "${inc}" to)
    if(to STREQUAL "" OR to STREQUAL from)
      continue()  # generated header, or an include inside the folder: not an edge
    endif()
    list(APPEND folders "${to}")
    set(edge "${from} -> ${to}")
    set(count "count ${edge}")
    set(example "example ${edge}")
    if(NOT DEFINED "${count}")
      list(APPEND edges "${edge}")
      list(APPEND "succ ${from}" "${to}")
      set("${count}" 0)
      set("${example}" "${name}: \"${inc}\"")
    endif()
    math(EXPR "${count}" "${${count}} + 1")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES folders)
list(SORT folders)
list(SORT edges)
list(LENGTH folders folder_count)
list(LENGTH edges edge_count)

# The edge list is the readable map of who depends on whom; print it whatever the outcome.
message("include graph: ${folder_count} folders, ${edge_count} edges")
foreach(edge IN LISTS edges)
  set(count "count ${edge}")
  set(example "example ${edge}")
  message("  ${edge}  (${${count}} includes, e.g. ${${example}})")
endforeach()

# tpgm_dfs(<folder>): depth-first search over the folders. An edge back to a folder still on the
# stack closes a cycle: the stack from that folder on. Every cycle contains such a back edge, so
# an empty list means the graph is acyclic, and removing the back edges reported makes it so.
# State (stack, done, cycles) is handed back to the caller through PARENT_SCOPE.
function(tpgm_dfs node)
  list(APPEND stack "${node}")
  foreach(next IN LISTS "succ ${node}")
    if(next IN_LIST stack)
      list(FIND stack "${next}" at)
      list(SUBLIST stack ${at} -1 cycle)
      list(APPEND cycle "${next}")
      list(JOIN cycle " -> " cycle)
      list(APPEND cycles "${cycle}")
    elseif(NOT next IN_LIST done)
      tpgm_dfs("${next}")
    endif()
  endforeach()
  list(POP_BACK stack)
  list(APPEND done "${node}")
  set(stack "${stack}" PARENT_SCOPE)
  set(done "${done}" PARENT_SCOPE)
  set(cycles "${cycles}" PARENT_SCOPE)
endfunction()

set(stack "")
set(done "")
set(cycles "")
foreach(folder IN LISTS folders)  # sorted successors and start order keep the report stable
  list(SORT "succ ${folder}")
endforeach()
foreach(folder IN LISTS folders)
  if(NOT folder IN_LIST done)
    tpgm_dfs("${folder}")
  endif()
endforeach()

if(NOT cycles)
  message("no include cycle among ${folder_count} folders")
  return()
endif()
# One line per cycle, then the include behind each hop: the line to delete or move.
list(LENGTH cycles cycle_count)
foreach(cycle IN LISTS cycles)
  message("include cycle: ${cycle}")
  string(REPLACE " -> " ";" hops "${cycle}")
  list(POP_FRONT hops from)
  foreach(to IN LISTS hops)
    set(example "example ${from} -> ${to}")
    message("    ${from} -> ${to}: ${${example}}")
    set(from "${to}")
  endforeach()
endforeach()
message(FATAL_ERROR "${cycle_count} include cycle(s) among ${folder_count} folders")
