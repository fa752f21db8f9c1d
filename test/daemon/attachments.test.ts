/** Which paths a send may attach (docs/kernel.md "Attachments"), through the real HTTP API. */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, LedgerEvent } from "../../src/kernel/types.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;
let scope: string;
let elsewhere: string;
type Err = { error: { code: string; message: string } };
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

beforeAll(async () => {
  scope = mkdtempSync(join(tmpdir(), "cccc-scope-"));
  elsewhere = mkdtempSync(join(tmpdir(), "cccc-elsewhere-"));
  t = await startTestDaemon();
  gid = (await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "files", scope }))
    .body.group.group_id;
  await t.api("POST", `/api/v1/groups/${gid}/actors`, { id: "lead", runtime: "custom", command: "cat" });
});
afterAll(async () => {
  await t.close();
  rmSync(scope, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

const send = (attachments: unknown[]) =>
  t.api<{ event: LedgerEvent } & Err>("POST", `/api/v1/groups/${gid}/send`, {
    text: "see file",
    attachments,
  });
const lastSeq = async () =>
  (await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`)).body.last_seq;

describe("attachment paths", () => {
  it("refuses files outside the scope (/etc/passwd, traversal, symlinks) and records nothing", async () => {
    const before = await lastSeq();
    const passwd = await send([
      { path: "/etc/passwd", name: "passwd", mime: "text/plain", bytes: 1, sha256: "x" },
    ]);
    expect(passwd.status).toBe(400);
    expect(passwd.body.error.code).toBe("attachment_outside_scope");
    expect(passwd.body.error.message).toContain(`files under ${scope}`);
    expect(passwd.body.error.message).toContain("cccc send --file");

    writeFileSync(join(elsewhere, "secret.txt"), "not yours");
    const traversal = await send([{ path: `${scope}/../${elsewhere.split("/").pop()}/secret.txt` }]);
    expect(traversal.body.error.code).toBe("attachment_outside_scope");
    symlinkSync(join(elsewhere, "secret.txt"), join(scope, "link.txt"));
    expect((await send([{ path: join(scope, "link.txt") }])).body.error.code).toBe(
      "attachment_outside_scope",
    );
    const blobs = join(t.home.groupDir(gid), "blobs");
    mkdirSync(blobs, { recursive: true });
    symlinkSync(join(elsewhere, "secret.txt"), join(blobs, "planted.txt"));
    expect((await send([{ path: "blobs/planted.txt" }])).body.error.code).toBe("attachment_outside_scope");
    expect((await send([{ path: "blobs/../group.yaml" }])).body.error.code).toBe("invalid_blob_path");
    expect((await send([{ path: "report.txt" }])).body.error.code).toBe("attachment_outside_scope");
    expect((await send([{ path: join(scope, "missing.txt") }])).body.error.code).toBe("file_not_found");
    expect(await lastSeq()).toBe(before);
  });

  it("copies a file under the scope into blobs at send time", async () => {
    mkdirSync(join(scope, "out"), { recursive: true });
    const file = join(scope, "out", "report.md");
    writeFileSync(file, "# v1\n");
    const r = await send([{ path: file }]);
    expect(r.status).toBe(200);
    const [att] = (r.body.event.data as { attachments: Attachment[] }).attachments;
    expect(att).toEqual({
      path: `blobs/${sha("# v1\n")}_report.md`,
      name: "report.md",
      mime: expect.any(String),
      bytes: 5,
      sha256: sha("# v1\n"),
    });
    writeFileSync(file, "# v2, changed after sending\n");
    expect(readFileSync(join(t.home.groupDir(gid), att?.path ?? ""), "utf8")).toBe("# v1\n");
  });

  it("takes an uploaded blob as it is on disk, not as the request describes it", async () => {
    const up = await fetch(new URL(`api/v1/groups/${gid}/blobs?name=notes.txt`, t.daemon.url), {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "hello",
    });
    const { attachment } = (await up.json()) as { attachment: Attachment };
    const r = await send([{ ...attachment, bytes: 999_999, sha256: "f".repeat(64) }]);
    expect(r.status).toBe(200);
    expect((r.body.event.data as { attachments: Attachment[] }).attachments).toEqual([attachment]);
    expect(attachment).toMatchObject({ bytes: 5, sha256: sha("hello") });
  });
});
