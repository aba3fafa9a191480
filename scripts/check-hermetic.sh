#!/usr/bin/env bash
# Fails, naming each file and line, if a tracked file refers to an absolute path outside the
# repository (a home folder, a workstation's checkout, /opt, a mount): everything the code,
# tests and scripts need must be found relative to the workspace or installed by its scripts.
# System locations that Debian packages install (/usr, /etc, /proc, /tmp scratch space) are fine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Any path segment naming such a folder counts, even inside a URL or a test string: a checker
# that reads the tree without context cannot tell them apart, so tracked files avoid them.
pattern='/(work|home|root|Users|mnt|media|opt|srv|scratch|workspace)/'
if hits="$(git grep -I -n -E "$pattern" -- . ':!Cargo.lock' ':!**/Cargo.lock')"; then
    echo "absolute paths outside the repository in tracked files:"
    echo "$hits"
    exit 1
fi
# A tracked symbolic link must stay inside the repository: one that points elsewhere dangles
# on every other machine.
bad=0
while IFS= read -r link; do
    target="$(git cat-file -p ":$link" 2>/dev/null || readlink "$link")"
    case "$target" in
        /*) echo "tracked symbolic link leaves the repository: $link -> $target"; bad=1 ;;
        *)
            resolved="$(realpath -m "$(dirname "$link")/$target")"
            case "$resolved" in
                "$PWD"|"$PWD"/*) ;;
                *) echo "tracked symbolic link leaves the repository: $link -> $target"; bad=1 ;;
            esac ;;
    esac
done < <(git ls-files -s | awk '$1 == "120000" { sub(/^[^\t]*\t/, ""); print }')
[ "$bad" -eq 0 ] || exit 1
echo "no absolute path outside the repository in $(git ls-files | wc -l) tracked files"
