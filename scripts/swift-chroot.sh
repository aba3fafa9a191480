#!/bin/bash
# Creates (once) the Debian trixie chroot with swiftlang used by the Swift binding tests,
# under .cache/swift-root in the repository. Prints the chroot's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
R="$PWD/.cache/swift-root"
export DEBIAN_FRONTEND=noninteractive
if ! command -v mmdebstrap >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null
fi
# (usr/bin/swift is an absolute symlink: test the marker the last step leaves.)
if [ ! -e "$R/.complete" ]; then
  if mountpoint -q "$R/proc"; then umount "$R/proc"; fi
  rm -rf --one-file-system "$R"
  mkdir -p "$(dirname "$R")"
  mmdebstrap --variant=apt --include=swiftlang,libc6-dev \
    --aptopt='APT::Install-Recommends "false"' trixie "$R" </dev/null >&2
  chroot "$R" apt-get clean
  touch "$R/.complete"
fi
echo "$R"
