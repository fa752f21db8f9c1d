import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeLog, followLog, imLogPath, readLogTail, redact } from "../../src/im/log.js";
import { waitFor } from "../support/cli.js";

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A log with one old line and a follower polling every `pollMs`, once it reads new lines (a probe
 * written now shows up; one written before it started is skipped).
 */
async function startFollowing(pollMs: number) {
  dir = mkdtempSync(join(tmpdir(), "cccc-log-"));
  const path = join(dir, "im_bridge.log");
  new BridgeLog(path).write("old line");
  const seen: string[] = [];
  const abort = new AbortController();
  const done = followLog(path, (l) => seen.push(l), { signal: abort.signal, pollMs });
  let probes = 0;
  await waitFor(
    () => {
      new BridgeLog(path).write(`probe ${probes++}`);
      return seen.some((l) => l.includes("probe"));
    },
    10_000,
    "the follower reading new lines",
  );
  return { path, seen, abort, done };
}

describe("bridge log", () => {
  it("redacts given secrets and common token patterns", () => {
    const line = redact(
      'POST /gettoken?appkey=k1&access_token=abc123 {"appSecret":"s3cr3t-value","accessToken":"tok"} session=xyz Bearer eyJhbGc.x.y my-app-secret-xyz',
      ["my-app-secret-xyz"],
    );
    expect(line).not.toMatch(/abc123|s3cr3t-value|"tok"|xyz\b|eyJhbGc|my-app-secret-xyz/);
    expect(line).toContain("access_token=***");
    expect(line).toContain("Bearer ***");
  });

  it("writes ISO-timestamped lines, rotates at the size cap and reads the tail", async () => {
    dir = mkdtempSync(join(tmpdir(), "cccc-log-"));
    const path = imLogPath(join(dir, "groups", "g1"));
    expect(path).toBe(join(dir, "groups", "g1", "state", "im_bridge.log"));
    const log = new BridgeLog(path, { maxBytes: 400, keep: 2, secrets: ["hunter2"] });
    for (let i = 0; i < 20; i++) log.write(`line ${i} password hunter2`);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(readFileSync(path, "utf8").length).toBeLessThanOrEqual(400);
    const tail = await readLogTail(path, 3);
    expect(tail).toHaveLength(3);
    expect(tail[2]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z line 19 password \*\*\*$/);
    await expect(readLogTail(join(dir, "missing.log"), 5)).rejects.toMatchObject({
      code: "im_log_not_found",
    });
  });

  it("follows new lines until aborted, across a rotation", async () => {
    const { path, seen, abort, done } = await startFollowing(5);
    // Room for "new line 1" and three more lines: the log rotates once, at the fourth (every line
    // here is 36 to 42 bytes).
    const log = new BridgeLog(path, { maxBytes: statSync(path).size + 200 });
    log.write("new line 1");
    await waitFor(() => seen.some((l) => l.endsWith("new line 1")), 10_000, "new line 1");
    for (let i = 0; i < 5; i++) log.write(`after rotation ${i}`);
    log.write("last line");
    await waitFor(() => seen.some((l) => l.endsWith("last line")), 10_000, "the line after the rotation");
    expect(readFileSync(`${path}.1`, "utf8")).toContain("after rotation 2");
    expect(readFileSync(path, "utf8")).toMatch(/^\S+ after rotation 3\n/);
    abort.abort();
    await done;
    expect(seen.some((l) => l.includes("old line"))).toBe(false);
    expect(seen.some((l) => l.endsWith("new line 1"))).toBe(true);
    expect(seen.filter((l) => l.includes("after rotation")).map((l) => l.slice(25))).toEqual([
      "after rotation 0",
      "after rotation 1",
      "after rotation 2",
      "after rotation 3",
      "after rotation 4",
    ]);
  });

  it("follows across two rotations between polls without losing lines", async () => {
    const { path, seen, abort, done } = await startFollowing(200);
    // One synchronous burst right after a poll, so the follower cannot look in between: every line
    // (33 bytes) overflows the 50-byte cap, so each write rotates, and the followed file ends up `.3`
    // (`.4` after "last line"; kept, so its inode cannot be reused by the new file).
    const log = new BridgeLog(path, { maxBytes: 50, keep: 4 });
    for (let i = 0; i < 3; i++) log.write(`burst ${i}`);
    expect(readFileSync(`${path}.3`, "utf8")).toContain("probe");
    log.write("last line");
    await waitFor(() => seen.some((l) => l.endsWith("last line")), 10_000, "the line after the burst");
    abort.abort();
    await done;
    expect(seen.filter((l) => l.includes("burst")).map((l) => l.slice(25))).toEqual([
      "burst 0",
      "burst 1",
      "burst 2",
    ]);
  });
});
