import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, extname, join, resolve, sep } from "node:path";
import { ValidationError } from "./errors.js";
import { writeFileAtomic } from "./fs-util.js";
import { detectMime } from "./mime.js";
import type { Attachment } from "./types.js";

const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/** Control characters, bidi controls (they can disguise an extension) and lone surrogates. */
function unsafeChar(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x61c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfeff ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}
const MAX_DISPLAY_CHARS = 200;

/**
 * A display name safe to show: no directories, no control or bidi characters, not only dots,
 * at most 200 characters (code points, so an emoji is never cut in half; the extension is kept).
 */
export function cleanDisplayName(name: string): string {
  const visible = [...name.replaceAll("\\", "/")].filter((c) => !unsafeChar(c)).join("");
  const cleaned = basename(visible).trim();
  if (/^[.\s]*$/.test(cleaned)) return "file";
  const chars = [...cleaned];
  if (chars.length <= MAX_DISPLAY_CHARS) return cleaned;
  const ext = extname(cleaned);
  const keep = ext.length > 0 && ext.length <= 16 ? [...ext].length : 0;
  return `${chars.slice(0, MAX_DISPLAY_CHARS - keep - 1).join("")}…${chars.slice(chars.length - keep).join("")}`;
}

/** The on-disk part of a blob name: `[A-Za-z0-9._-]`, at most 120 characters, never hidden. */
export function safeFileName(name: string): string {
  const safe = cleanDisplayName(name)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[.]+/, "")
    .slice(-120);
  return safe.replace(/^_+$/, "") || "file";
}

/** Content-addressed attachment storage of one group (`groups/<gid>/blobs/`). */
export class BlobStore {
  constructor(
    private readonly groupDir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  get dir(): string {
    return join(this.groupDir, "blobs");
  }

  /** The largest file `put` takes by default, in bytes. */
  get maxSize(): number {
    return this.maxBytes;
  }

  async put(bytes: Buffer, name: string, mime?: string, maxBytes = this.maxBytes): Promise<Attachment> {
    if (bytes.length > maxBytes) {
      throw new ValidationError(
        "file_too_large",
        `File "${cleanDisplayName(name)}" is ${bytes.length} bytes; the limit is ${maxBytes} bytes.`,
      );
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const display = cleanDisplayName(name);
    const fileName = `${sha256}_${safeFileName(display)}`;
    const full = join(this.dir, fileName);
    const exists = await stat(full).then(
      (s) => s.size === bytes.length,
      () => false,
    );
    if (!exists) await writeFileAtomic(full, bytes);
    return {
      path: `blobs/${fileName}`,
      name: display,
      mime: mime || detectMime(bytes, display),
      bytes: bytes.length,
      sha256,
    };
  }

  /** Absolute path of a blob, refusing anything outside the blob directory. */
  resolve(relPath: string): string {
    const name = relPath.startsWith("blobs/") ? relPath.slice("blobs/".length) : relPath;
    if (name === "" || name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      throw new ValidationError("invalid_blob_path", `Not a blob path: "${relPath}".`);
    }
    const full = resolve(this.dir, name);
    if (!full.startsWith(resolve(this.dir) + sep)) {
      throw new ValidationError("invalid_blob_path", `Not a blob path: "${relPath}".`);
    }
    return full;
  }
}
