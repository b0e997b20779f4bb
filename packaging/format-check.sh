#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks that every C++ file git knows of (*.cpp, *.h: tracked, and untracked ones that are not
# ignored) is formatted as .clang-format says; prints the files that are not and exits non-zero if
# there are any. Changes nothing: to fix a file, run
#   clang-format -i FILE
# CLANG_FORMAT names the binary (default: clang-format, Debian 12's is 14.0.6; other versions may
# format some constructs differently).
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null || {
    echo "format-check: $CLANG_FORMAT not found (Debian: apt-get install clang-format)" >&2
    exit 2
}

bad=()
checked=0
while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue   # tracked but deleted in the work tree
    checked=$((checked + 1))
    if ! "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done < <(git ls-files -z --cached --others --exclude-standard -- '*.cpp' '*.h' | sort -zu)

if [ ${#bad[@]} -gt 0 ]; then
    echo "format-check: ${#bad[@]} of $checked files differ from .clang-format" \
         "($("$CLANG_FORMAT" --version | sed 's/.*version //')):"
    printf '  %s\n' "${bad[@]}"
    echo "format-check: see the changes with 'clang-format FILE | diff FILE -'," \
         "apply them with 'clang-format -i FILE'"
    exit 1
fi
echo "format-check: $checked files OK"
