#!/usr/bin/env bash
# Count the real-time waits in the test suite (docs/architecture.md, "Suite time"):
#   sleeps — a fixed real sleep in a test: `await new Promise((r) => setTimeout(r, N))`, not the
#            poll step inside a wait helper (a sleep at most 6 lines after a deadline check);
#   polls  — a call of a helper that re-checks a condition on real time until it holds or a bound
#            passes (`waitFor`, `until`, `waitUntil`, `waitForScreen`, `waitStream`, `waitSent`,
#            `expect.poll`), not its definition, in a file that is not on fake timers;
#   fake   — test files on Vitest's fake timers (`fakeClockPerTest()` for the whole file, or
#            `vi.useFakeTimers` in some tests), and their waits on fake time (`advance`,
#            `advanceUntil`, and `waitFor` where a file maps it to `advanceUntil`).
# Fakes and fixture agents (test/fakes, test/fixtures) are not tests and are not counted.
# Usage: scripts/count-test-waits.sh [--list]
set -euo pipefail
cd "$(dirname "$0")/.."

files() { find test -name '*.ts' -not -path 'test/fakes/*' -not -path 'test/fixtures/*'; }

sleeps() {
  files | xargs awk '
    FNR == 1 { check = -100 }
    /deadline|Date\.now\(\) > end/ { check = FNR }
    /new Promise\(\(?[a-z]+\)? => setTimeout\([a-z]+, / && FNR - check > 6 { print FILENAME ":" FNR ":" $0 }'
}
polls() {
  files | grep -vxFf <(whole_fake) | xargs grep -nE '(\bwaitFor|\.until|\buntil|\bwaitUntil|\bwaitForScreen|\bwaitStream|\bwaitSent|expect\.poll)\(' |
    grep -vE '(function [a-zA-Z]+|const (until|waitUntil|waitSent) = |^[^:]+:[0-9]+:\s+(until|waitStream)[:(][^)]*\)[^;]*(\{|=>)\s*$)' || true
}
whole_fake() { files | xargs grep -lE '^fakeClockPerTest\(|^  fakeClockPerTest\(' || true; }
fake() { files | grep -v 'test/support/fake-clock.ts' | xargs grep -lE '^\s*fakeClockPerTest\(|vi\.useFakeTimers\(' || true; }
fake_waits() {
  whole_fake | xargs grep -nE '(\badvance|\badvanceUntil|\bwaitFor)\(' | grep -vE '=> advanceUntil|function ' || true
}

if [ "${1:-}" = "--list" ]; then
  echo "== sleeps"; sleeps
  echo "== fake-timer files"; fake
fi
echo "real sleeps: $(sleeps | grep -c . || true)"
echo "polls:       $(polls | grep -c . || true)"
echo "fake-timer test files: $(fake | grep -c . || true) (waits on fake time: $(fake_waits | grep -c . || true))"
