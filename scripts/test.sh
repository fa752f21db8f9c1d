#!/usr/bin/env bash
# Install everything the tests need (dependencies, Debian's Chromium for the browser tests), then
# run the whole suite: build, type-check, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Chromium for the browser tests (apt-get install -y chromium)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# The real agent CLIs (Claude Code, Codex; pinned, ~760 MB) for test/e2e/real-*.test.ts, cached in
# ${CCCC_AGENT_CLIS:-~/.cache/cccc/agent-clis} across runs. If they cannot be installed the suite still
# runs, and those tests fail saying why (docs/runners.md, "Real-CLI tests").
if ! bash scripts/install-agent-clis.sh; then
  echo "!! REAL-CLI TESTS WILL FAIL: the pinned agent CLIs could not be installed (see above)." >&2
fi

# Chinese text in the browser tests' screenshots needs a CJK font.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "==> installing a CJK font for the browser screenshots (apt-get install -y fonts-wqy-zenhei)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null
  fi
fi

npm test

node -e '
const r = JSON.parse(require("fs").readFileSync("dist/vitest-results.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
'
