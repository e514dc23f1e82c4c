#!/usr/bin/env bash
# Installs a released maestro binary for the runner (the composite action's
# first step): picks the archive for RUNNER_OS/RUNNER_ARCH, verifies its
# SHA-256 against the release's SHA256SUMS, unpacks it into the runner's
# tool cache (reused when that version is already there) and puts it on
# GITHUB_PATH. Inputs come from the environment only:
#   MAESTRO_VERSION       a release tag (v1.2.3) or "latest"
#   MAESTRO_RELEASE_BASE  where releases are (default: the action's repository's
#                         GitHub releases); a local directory for tests
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, GITHUB_PATH  (set by the runner)
set -euo pipefail

version="${MAESTRO_VERSION:-latest}"
case "$version" in
  latest | v[0-9]*) ;;
  *) echo "maestro action: version '$version' is neither 'latest' nor a tag like v1.2.3" >&2; exit 2 ;;
esac
case "$version" in *[!A-Za-z0-9.+_-]*) echo "maestro action: version '$version' has characters a tag does not" >&2; exit 2 ;; esac

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *) echo "maestro action: no release for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (Linux and macOS, X64 and ARM64)" >&2; exit 2 ;;
esac
archive="maestro-$target.tar.gz"

if [ -n "${MAESTRO_RELEASE_BASE:-}" ]; then
  base="$MAESTRO_RELEASE_BASE"
elif [ -n "${GITHUB_ACTION_REPOSITORY:-}" ]; then
  base="https://github.com/$GITHUB_ACTION_REPOSITORY/releases"
else
  echo "maestro action: set MAESTRO_RELEASE_BASE (the runner sets GITHUB_ACTION_REPOSITORY in an action)" >&2
  exit 2
fi
if [ "$version" = latest ]; then url="$base/latest/download"; else url="$base/download/$version"; fi

dest="${RUNNER_TOOL_CACHE:?RUNNER_TOOL_CACHE is not set}/maestro/$version/$target"
if [ "$version" != latest ] && [ -x "$dest/maestro" ] && [ -f "$dest.complete" ]; then
  echo "maestro $version: from the tool cache" >&2
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch() {
    case "$url" in
      http://* | https://*) curl -fsSL --retry 3 -o "$work/$1" "$url/$1" ;;
      *) cp "$url/$1" "$work/$1" ;;
    esac
  }
  fetch SHA256SUMS
  fetch "$archive"
  want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$work/SHA256SUMS")
  if [ -z "$want" ]; then
    echo "maestro action: SHA256SUMS has no line for $archive" >&2
    exit 1
  fi
  if command -v sha256sum >/dev/null; then
    got=$(sha256sum "$work/$archive" | cut -d' ' -f1)
  else
    got=$(shasum -a 256 "$work/$archive" | cut -d' ' -f1)
  fi
  if [ "$got" != "$want" ]; then
    echo "maestro action: $archive does not match its SHA-256 in SHA256SUMS (got $got, want $want): refusing it" >&2
    exit 1
  fi
  rm -rf "$dest" "$dest.complete"
  mkdir -p "$dest"
  tar -xzf "$work/$archive" -C "$dest" --no-same-owner
  [ -x "$dest/maestro" ] || { echo "maestro action: $archive holds no maestro binary" >&2; exit 1; }
  touch "$dest.complete"
fi
echo "$dest" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
"$dest/maestro" --version >&2
