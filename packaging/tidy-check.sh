#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs clang-tidy with the checks of .clang-tidy over the project's .cpp files and exits non-zero
# on any finding (all enabled checks are errors). Reads the compile database of a configured and
# built tree (build/release: packaging/build.sh; the Qt units need AUTOMOC's output), so run it
# after the build.
#
#   packaging/tidy-check.sh                  files changed since origin/main (see below)
#   packaging/tidy-check.sh --changed BASE   files changed since the merge base of BASE and HEAD
#   packaging/tidy-check.sh --all            every tracked .cpp file (~30 min, 1 job)
#   packaging/tidy-check.sh FILE...          the named files
#   --list (with any of the above)            print the files that would be checked, check none
#
# "Changed" means committed since the merge base, plus uncommitted and untracked changes; without
# --changed, where HEAD is origin/main itself (CI on main) or there is no origin/main, the last
# commit's changes. A changed header brings in the .cpp files that include it by name.
# Environment: TIDY_JOBS (clang-tidy runs at once, default: the number of CPUs; each takes about
# 1 GB for a LibTorch unit), TIDY_BUILD_DIR (default build/release), CLANG_TIDY (the binary).
#
# Why a rewritten compile database: the backend and test targets use GCC precompiled headers
# (target_precompile_headers), so their commands carry `-include <build>/.../cmake_pch.hxx`. Clang
# then finds GCC's cmake_pch.hxx.gch beside it, cannot read it, and stops. The copy made here
# points -include at copies of the (plain-text) cmake_pch.hxx files in a folder without a .gch, so
# clang parses the same headers from source, and drops the few GCC-only flags clang rejects.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build=${TIDY_BUILD_DIR:-build/release}
jobs=${TIDY_JOBS:-$(nproc 2>/dev/null || echo 2)}
clang_tidy=${CLANG_TIDY:-clang-tidy}

die() { echo "tidy-check: $*" >&2; exit 2; }
usage() { sed -n '3,19s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }

mode=changed
base=""
base_given=no
files=()
list_only=no
while [ $# -gt 0 ]; do
    case $1 in
        --all) mode=all ;;
        --list) list_only=yes ;;
        --changed) [ $# -ge 2 ] || usage 2; mode=changed; base=$2; base_given=yes; shift ;;
        -h|--help) usage 0 ;;
        -*) usage 2 ;;
        *) mode=files; files+=("$1") ;;
    esac
    shift
done

# --- which files -------------------------------------------------------------------------------
# .cpp files that #include a header, matched by the header's file name.
includers_of() {
    local name
    name=$(basename "$1")
    git ls-files -z -- '*.cpp' |
        xargs -0 -r grep -l -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?${name//./\\.}[\">]" \
            2>/dev/null || true
}

case $mode in
    all)
        mapfile -t files < <(git ls-files -- '*.cpp')
        ;;
    changed)
        # The commit to compare with: the merge base of BASE and HEAD, or without --changed, of
        # origin/main and HEAD, falling back to HEAD~1 where that is HEAD itself (CI on main) or
        # where there is no origin/main, and to every file where the history is too shallow.
        merge_base=""
        if [ $base_given = yes ]; then
            git rev-parse -q --verify "$base^{commit}" >/dev/null || die "unknown base '$base'"
            merge_base=$(git merge-base "$base" HEAD) ||
                die "no merge base of $base and HEAD (shallow clone? fetch more history)"
        else
            base=origin/main
            if git rev-parse -q --verify "$base^{commit}" >/dev/null; then
                merge_base=$(git merge-base "$base" HEAD 2>/dev/null) || merge_base=""
            fi
            if [ -z "$merge_base" ] || [ "$merge_base" = "$(git rev-parse HEAD)" ]; then
                base=HEAD~1
                merge_base=$(git rev-parse -q --verify "HEAD~1^{commit}") || merge_base=""
            fi
        fi
        if [ -z "$merge_base" ]; then
            echo "tidy-check: no origin/main and no HEAD~1 (shallow clone?): checking every file" >&2
            mapfile -t files < <(git ls-files -- '*.cpp')
        else
            echo "tidy-check: files changed since $(git rev-parse --short "$merge_base")" \
                 "($base), committed or not" >&2
            mapfile -t changed < <({
                git diff --name-only --diff-filter=d "$merge_base" -- '*.cpp' '*.h'
                git ls-files --others --exclude-standard -- '*.cpp' '*.h'
            } | sort -u)
            files=()
            for f in "${changed[@]}"; do
                [ -f "$f" ] || continue
                case $f in
                    *.cpp) files+=("$f") ;;
                    *.h) mapfile -t -O "${#files[@]}" files < <(includers_of "$f") ;;
                esac
            done
        fi
        ;;
esac

# Absolute paths, each once, existing files only.
mapfile -t files < <(for f in "${files[@]}"; do
    [ -f "$f" ] && echo "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
done | sort -u)
if [ $list_only = yes ]; then
    printf '%s\n' "${files[@]#"$root"/}"
    exit 0
fi
if [ ${#files[@]} -eq 0 ]; then
    echo "tidy-check: no .cpp files to check"
    exit 0
fi

command -v "$clang_tidy" >/dev/null ||
    die "$clang_tidy not found (Debian: apt-get install clang-tidy)"
[ -f "$build/compile_commands.json" ] ||
    die "$build/compile_commands.json is missing: configure and build first (packaging/build.sh)"
[ -f .clang-tidy ] || die ".clang-tidy is missing"
for f in "${files[@]}"; do
    grep -q "\"file\": \"$f\"" "$build/compile_commands.json" ||
        echo "tidy-check: note: $f is not in $build/compile_commands.json (stale build?);" \
             "clang-tidy will guess its flags from a neighbour" >&2
done

# --- a compile database clang can use ----------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tidy-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Copies of the precompiled headers' text, with no .gch beside them.
grep -o -E -- '-include [^ "]*/cmake_pch\.hxx?' "$build/compile_commands.json" | sort -u |
    while read -r _ hdr; do
        mkdir -p "$tmp/pch$(dirname "$hdr")"
        cp "$hdr" "$tmp/pch$hdr"
    done

# GCC-only flags clang rejects (errors, not warnings), and the PCH flags.
gcc_only='fno-gnu-unique|fconcepts-diagnostics-depth=[0-9]+|fcoroutines|flto-partition=[a-z0-9]+'
gcc_only+='|fno-var-tracking-assignments|fipa-pta|mno-direct-extern-access|fzero-call-used-regs=[a-z-]+'
gcc_only+='|fharden-[a-z-]+|ftrivial-auto-var-init=[a-z]+|Winvalid-pch|fpch-preprocess|fpch-deps'
gcc_only+='|Werror|Werror=[a-z0-9-]+'
sed -E \
    -e "s#-include ([^ \"]*)/(cmake_pch\\.hxx?)#-include $tmp/pch\\1/\\2#g" \
    -e 's# -Xclang -include-pch -Xclang [^ "]*##g' \
    -e 's# -include-pch [^ "]*##g' \
    -e ':a' -e "s# -($gcc_only)([ \"])#\\2#" -e 'ta' \
    "$build/compile_commands.json" >"$tmp/compile_commands.json"

# --- run ---------------------------------------------------------------------------------------
echo "tidy-check: $("$clang_tidy" --version | sed -n 's/.*LLVM version //p'), ${#files[@]} file(s)," \
     "$jobs job(s)"
start=$(date +%s)
mkdir "$tmp/out"
export clang_tidy tmp root
printf '%s\0' "${files[@]}" |
    xargs -0 -r -n 1 -P "$jobs" sh -c '
        log="$tmp/out/$(printf %s "$1" | tr / _).log"
        s=$(date +%s)
        if "$clang_tidy" -p "$tmp" --quiet "$1" >"$log" 2>&1; then rm -f "$log"; r=ok; else r=FAIL; fi
        echo "  $r ${1#"$root"/} ($(( $(date +%s) - s )) s)"
    ' sh || true
failed=()
for f in "${files[@]}"; do
    log="$tmp/out/$(printf %s "$f" | tr / _).log"
    if [ -f "$log" ]; then
        failed+=("${f#"$root"/}")
        # Compiler errors and each finding with its source lines; no "N warnings generated".
        grep -v -E '^[0-9]+ (warning|error)s? (generated|treated as errors?)\.$' "$log" || true
    fi
done
echo "tidy-check: ${#files[@]} file(s) in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "tidy-check: findings in ${#failed[@]} file(s):"
    printf '  %s\n' "${failed[@]}"
    echo "tidy-check: fix them, or where a finding is wrong, add // NOLINT(check-name) with a reason"
    exit 1
fi
echo "tidy-check: OK"
