#!/bin/sh
# Proves that `npm ci` installs CCCC without a C/C++ toolchain and without a warm HOME:
# a temporary copy of package.json + package-lock.json, HOME=$(mktemp -d) (empty npm cache, no
# node-gyp headers), and a PATH holding only node, npm and sh (no cc, gcc, g++, make, python3).
# Then it loads the PTY module and runs a shell in a pseudo-terminal.
# Usage: scripts/check-install-no-compiler.sh [--omit=dev]   (needs the npm registry)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RM=$(command -v rm)
WORK=$(mktemp -d)
trap '"$RM" -rf "$WORK"' EXIT INT TERM

NODE=$(command -v node)
NPM=$(command -v npm)
SH=$(command -v sh)
mkdir -p "$WORK/bin" "$WORK/home" "$WORK/app"
ln -s "$NODE" "$WORK/bin/node"
ln -s "$NPM" "$WORK/bin/npm"
ln -s "$SH" "$WORK/bin/sh"
# CCCC_CHECK_SOURCE=<dir> checks another checkout's package files (e.g. an older commit).
SRC=${CCCC_CHECK_SOURCE:-$ROOT}
cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/app/"

cd "$WORK/app"
export HOME="$WORK/home"
export PATH="$WORK/bin"
export npm_config_update_notifier=false
unset npm_config_cache npm_config_prefix NODE_PATH CC CXX PYTHON 2>/dev/null || true

for tool in cc gcc g++ c++ clang make python3 python; do
  if command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is on PATH; this check needs a PATH without a compiler" >&2
    exit 1
  fi
done
echo "node $(node --version), npm $(npm --version); PATH=$PATH; HOME=$HOME (empty)"

start=$(node -e 'process.stdout.write(String(Date.now()))')
if ! npm ci --no-audit --no-fund --loglevel=error "$@"; then
  echo "FAIL: npm ci failed without a compiler" >&2
  exit 1
fi
end=$(node -e 'process.stdout.write(String(Date.now()))')
echo "npm ci: ok in $(((end - start) / 1000)) s"

node --input-type=module -e '
import * as pty from "@lydell/node-pty";
const p = pty.spawn("/bin/sh", ["-c", "echo pty-ok $((6*7))"], { name: "xterm-256color", cols: 80, rows: 24 });
let out = "";
p.onData((d) => { out += d; });
const timer = setTimeout(() => { console.error("FAIL: no exit from the PTY shell"); process.exit(1); }, 20000);
p.onExit(({ exitCode }) => {
  clearTimeout(timer);
  if (exitCode !== 0 || !out.includes("pty-ok 42")) {
    console.error(`FAIL: exit ${exitCode}, output ${JSON.stringify(out)}`);
    process.exit(1);
  }
  console.log(`pty: spawned /bin/sh (pid ${p.pid}) in a pseudo-terminal, output "pty-ok 42", exit 0`);
});
'
echo "PASS: npm ci and the PTY module work with a fresh HOME and no compiler on PATH"
