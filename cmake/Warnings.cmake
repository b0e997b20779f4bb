# SPDX-License-Identifier: GPL-3.0-or-later
# The one set of warnings every target of this project compiles with (link tpgm_warnings).
#   -Wno-unused-parameter           virtual hooks (EventSink, Method) ignore most of theirs
#   -Wno-missing-field-initializers aggregates with default member values are meant to be
#                                   initialised in part ({"name"})
add_library(tpgm_warnings INTERFACE)
target_compile_options(tpgm_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
  -Wno-missing-field-initializers)
