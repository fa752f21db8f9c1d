import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LedgerEvent } from "../../src/kernel/types.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "agents");
export const TUI_AGENT = join(FIXTURES, "tui-agent.mjs");
export const HEADLESS_AGENT = join(FIXTURES, "headless-agent.mjs");

export function tempDir(prefix = "cccc-runners-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => T,
  timeoutMs = 5_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
  } catch {
    return false;
  }
}

/** Live (non-zombie) child processes of this test process. */
export function liveChildren(): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,stat=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid && !stat?.startsWith("Z") && Number(pid) !== 0)
    .map(([pid]) => Number(pid))
    .filter((pid) => isAlive(pid));
}

export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

export function readLines<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

export function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

let seq = 0;
export function chatEvent(id: string, by: string, data: Partial<LedgerEvent["data"]>): LedgerEvent {
  seq++;
  return {
    v: 1,
    id,
    seq,
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    kind: "chat.message",
    group_id: "g_test",
    by,
    data: { text: "", to: [], attachments: [], ...data },
  };
}

/** PATH with node's directory first, for fixtures started as `node script.mjs`. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, ...extra };
}
