/**
 * Which files a send may attach (docs/kernel.md "Attachments"): the group's blobs, and files under
 * the group's scope, which are copied into blobs now. The daemon never reads any other path on a
 * request's behalf; a caller with another file uploads its bytes (`cccc send --file` does).
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, relative, resolve } from "node:path";
import { type BlobStore, cleanDisplayName } from "./blobs.js";
import { CcccError, ValidationError } from "./errors.js";
import { detectMime } from "./mime.js";
import type { Attachment } from "./types.js";

/** What a request names: a blob path (`blobs/…`) or an absolute path; the rest is optional. */
export interface AttachmentInput {
  path: string;
  name?: string | undefined;
  mime?: string | undefined;
}

export interface AttachmentScope {
  blobs: BlobStore;
  /** The group's scope directories (`scopes[].url`); entries that are not absolute paths are ignored. */
  scopes: readonly string[];
}

export async function resolveAttachments(
  inputs: readonly AttachmentInput[],
  scope: AttachmentScope,
): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const input of inputs) out.push(await resolveOne(input, scope));
  return out;
}

async function resolveOne(input: AttachmentInput, scope: AttachmentScope): Promise<Attachment> {
  const blobDir = await realpath(scope.blobs.dir).catch(() => scope.blobs.dir);
  if (!isAbsolute(input.path)) {
    if (!input.path.startsWith("blobs/")) throw outside(input.path, scope);
    return fromBlob(scope.blobs.resolve(input.path), blobDir, input, scope);
  }
  const roots: string[] = [];
  for (const dir of scope.scopes) {
    const root = isAbsolute(dir) ? await realpath(dir).catch(() => undefined) : undefined;
    if (root) roots.push(root);
  }
  const real = await realpath(input.path).catch(() => undefined);
  if (real === undefined) {
    // Say "no such file" only inside the scope, so a path outside it cannot probe what exists.
    const lexical = resolve(input.path);
    if (![blobDir, ...roots].some((root) => inside(root, lexical))) throw outside(input.path, scope);
    throw new CcccError(
      "file_not_found",
      `Cannot read attachment "${input.path}": no such file. Check the path.`,
    );
  }
  if (inside(blobDir, real)) return fromBlob(real, blobDir, input, scope);
  if (roots.some((root) => inside(root, real))) return copyIn(real, input, scope.blobs);
  throw outside(input.path, scope);
}

/** A stored blob, described from disk (the request's size and hash are not trusted). */
async function fromBlob(
  full: string,
  blobDir: string,
  input: AttachmentInput,
  scope: AttachmentScope,
): Promise<Attachment> {
  const real = await realpath(full).catch(() => {
    throw new CcccError(
      "blob_not_found",
      `No attachment "${input.path}" in this group: upload it first.`,
      404,
    );
  });
  // A symlink planted in blobs/ must not lead out of it.
  if (!inside(blobDir, real)) throw outside(input.path, scope);
  const info = await stat(real);
  if (!info.isFile()) throw outside(input.path, scope);
  const file = basename(real);
  const named = /^([0-9a-f]{64})_(.+)$/.exec(file);
  const sha256 = named?.[1] ?? (await hashFile(real));
  const name = cleanDisplayName(input.name ?? named?.[2] ?? file);
  return {
    path: `blobs/${file}`,
    name,
    mime: input.mime || detectMime(await head(real), name),
    bytes: info.size,
    sha256,
  };
}

async function copyIn(real: string, input: AttachmentInput, blobs: BlobStore): Promise<Attachment> {
  const info = await stat(real);
  if (!info.isFile())
    throw new ValidationError("attachment_not_a_file", `Attachment "${real}" is not a regular file.`);
  if (info.size > blobs.maxSize) {
    throw new ValidationError(
      "file_too_large",
      `File "${basename(real)}" is ${info.size} bytes; the limit is ${blobs.maxSize} bytes.`,
    );
  }
  return blobs.put(await readFile(real), input.name ?? basename(real), input.mime);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function outside(path: string, scope: AttachmentScope): ValidationError {
  const dirs = scope.scopes.filter((d) => isAbsolute(d));
  const where = dirs.length > 0 ? `files under ${dirs.join(", ")}` : "no files (the group has no scope)";
  return new ValidationError(
    "attachment_outside_scope",
    `Attachment "${path}" is outside this group's scope: the daemon attaches only the group's blobs (blobs/…) and ${where}. Save the file under the scope, or upload its bytes (cccc send --file reads the file for you).`,
  );
}

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function hashFile(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", fail)
      .on("end", () => done(hash.digest("hex")));
  });
}
