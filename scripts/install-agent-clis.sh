#!/usr/bin/env bash
# Usage: scripts/install-agent-clis.sh [claude] [codex]   (default: both)
# Install the pinned real agent CLIs the end-to-end tests run (test/e2e/real-*.test.ts) into a cache
# outside the clone, reusing what is there. They are ~360/400 MB each, so they are not devDependencies.
#   cache: ${CCCC_AGENT_CLIS:-$HOME/.cache/cccc/agent-clis}/<pkg>@<version>
# Writes <cache>/status.txt: one line per CLI, "ok <name> <bin>" or "failed <name> <reason>", which the
# tests read to say clearly why they cannot run. Exits 1 when any install failed.
set -uo pipefail

CLAUDE_CODE_VERSION=2.1.328
CODEX_VERSION=0.169.0

cache="${CCCC_AGENT_CLIS:-$HOME/.cache/cccc/agent-clis}"
mkdir -p "$cache"
status="$cache/status.txt"
failed=0

install_one() { # name package version bin-relative-path
  local name=$1 pkg=$2 version=$3 bin=$4
  local dir="$cache/$pkg@$version"
  if [ -x "$dir/node_modules/.bin/$bin" ] && [ -f "$dir/.installed" ]; then
    echo "ok $name $dir/node_modules/.bin/$bin" >>"$status.tmp"
    return
  fi
  echo "==> installing $pkg@$version into $dir (once; reused by later runs)"
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  local log="$cache/$name-install.log"
  if npm install --prefix "$dir.partial" --no-audit --no-fund --no-save --loglevel=error \
    "$pkg@$version" >"$log" 2>&1 && [ -x "$dir.partial/node_modules/.bin/$bin" ]; then
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    touch "$dir/.installed"
    echo "ok $name $dir/node_modules/.bin/$bin" >>"$status.tmp"
  else
    failed=1
    local reason
    reason=$(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300)
    echo "failed $name npm install $pkg@$version failed (log: $log): $reason" >>"$status.tmp"
    echo "!! could not install $pkg@$version; see $log" >&2
  fi
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(claude codex)

# One install at a time per cache (two test files may ask at once).
exec 9>"$cache/.lock"
flock 9

: >"$status.tmp"
for name in "${want[@]}"; do
  case $name in
    claude) install_one claude @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" claude ;;
    codex) install_one codex @openai/codex "$CODEX_VERSION" codex ;;
    *) echo "unknown agent CLI: $name (claude, codex)" >&2; exit 2 ;;
  esac
done
# Keep the other CLIs' lines from earlier runs.
if [ -f "$status" ]; then
  while read -r state name rest; do
    grep -q "^[a-z]* $name " "$status.tmp" || echo "$state $name $rest" >>"$status.tmp"
  done <"$status"
fi
mv "$status.tmp" "$status"
cat "$status"
exit $failed
