#!/usr/bin/env bash
# Install CCCC from this checkout: dependencies, build (daemon + Web UI), and `cccc` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "CCCC needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

echo "==> installing dependencies (npm ci)"
npm ci --no-audit --no-fund
echo "==> building"
npm run build

echo "==> putting cccc on PATH"
prefix=$(npm prefix -g)
if [ -w "$prefix" ] || [ -w "$prefix/bin" ] 2>/dev/null; then
  npm link --no-audit --no-fund >/dev/null
  echo "cccc -> $(command -v cccc || echo "$prefix/bin/cccc")"
else
  mkdir -p "$HOME/.local/bin"
  ln -sf "$PWD/dist/src/cli/main.cjs" "$HOME/.local/bin/cccc"
  echo "cccc -> $HOME/.local/bin/cccc (add $HOME/.local/bin to PATH if it is not there)"
fi
