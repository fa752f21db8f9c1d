import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { NotFoundError } from "../kernel/errors.js";
import { sleep } from "./transport/sleep.js";

/** `groups/<gid>/state/im_bridge.log`. */
export function imLogPath(groupDir: string): string {
  return join(groupDir, "state", "im_bridge.log");
}

// key=value / "key":"value" / key: value where the key names a credential.
const KEYED =
  /\b(access_?token|accessToken|x-acs-[a-z]+-access-token|app_?secret|appSecret|client_?secret|clientSecret|sessionWebhook|session|ticket|sign|token|password|aes_?key)(["']?\s*[:=]\s*["']?)([^\s"'&,;}]+)/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/-]+=*/g;

/** Replace secret values and common token patterns by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of [...secrets].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join("***");
  }
  return out.replace(KEYED, "$1$2***").replace(BEARER, "Bearer ***");
}

export interface BridgeLogOptions {
  /** Values never written (app secret, app key, tokens…). */
  secrets?: string[];
  maxBytes?: number;
  /** Rotated files kept (`.1` … `.N`). */
  keep?: number;
}

/**
 * The per-group bridge log: one line per entry, ISO timestamp first, secrets redacted, rotated to
 * `im_bridge.log.1…N` when it passes `maxBytes`. Writes are synchronous so lines never interleave.
 */
export class BridgeLog {
  private size: number;
  private secrets: string[];

  constructor(
    readonly path: string,
    private readonly options: BridgeLogOptions = {},
  ) {
    this.secrets = options.secrets ?? [];
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
  }

  setSecrets(secrets: string[]): void {
    this.secrets = secrets;
  }

  write(line: string, at = new Date()): void {
    const text = `${at.toISOString()} ${redact(line, this.secrets).replace(/\r?\n/g, "\n    ")}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > (this.options.maxBytes ?? 5 * 1024 * 1024)) this.rotate();
    try {
      appendFileSync(this.path, text, { mode: 0o600 });
      this.size += bytes;
    } catch {
      // A log that cannot be written must not take the bridge down.
    }
  }

  private rotate(): void {
    const keep = Math.max(1, this.options.keep ?? 2);
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // missing: nothing to shift
      }
    }
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      // missing
    }
    this.size = 0;
  }
}

function notFound(path: string): NotFoundError {
  return new NotFoundError(
    "im_log_not_found",
    `IM bridge log not found: ${path}. Start the bridge with: cccc im start`,
  );
}

/** The last `n` lines (for `cccc im logs -n N` and `GET /im/logs?n=N`). */
export async function readLogTail(path: string, n: number): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch {
    throw notFound(path);
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let text = "";
    const chunk = 64 * 1024;
    while (position > 0 && text.split("\n").length <= n + 1) {
      const length = Math.min(chunk, position);
      position -= length;
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, position);
      text = buf.toString("utf8") + text;
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    if (position > 0) lines.shift(); // possibly cut in the middle
    return n <= 0 ? [] : lines.slice(-n);
  } finally {
    await handle.close();
  }
}

/**
 * Follow the log like `tail -f` (for `cccc im logs -f`): new complete lines go to `onLine` until
 * `signal` aborts. Survives rotation (the file shrinks or is replaced → read it from the start).
 */
export async function followLog(
  path: string,
  onLine: (line: string) => void,
  options: { signal: AbortSignal; pollMs?: number; fromStart?: boolean },
): Promise<void> {
  let position = 0;
  let ino = 0;
  try {
    const st = await stat(path);
    position = options.fromStart ? 0 : st.size;
    ino = st.ino;
  } catch {
    throw notFound(path);
  }
  let partial = "";
  const emit = (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  };
  while (!options.signal.aborted) {
    const st = await stat(path).catch(() => undefined); // missing for a moment while rotating
    if (st && st.ino !== ino) {
      // Rotated, maybe more than once since the last poll: finish the old file (now `.k`), then the
      // newer rotated ones (`.k-1` … `.1`) whole, then read the current one from the start.
      await drainRotated(path, ino, position, emit);
      ino = st.ino;
      position = 0;
    } else if (st && st.size < position) {
      position = 0; // truncated
      partial = "";
    }
    if (st && st.size > position) {
      emit(await readRange(path, position, st.size));
      position = st.size;
    }
    try {
      await sleep(options.pollMs ?? 500, options.signal);
    } catch {
      return;
    }
  }
}

/** Rotated files are searched this far back for the one being followed (the writer keeps 2 by default). */
const MAX_ROTATED = 9;

async function drainRotated(
  path: string,
  ino: number,
  position: number,
  emit: (text: string) => void,
): Promise<void> {
  const rotated: { file: string; ino: number; size: number }[] = [];
  for (let k = 1; k <= MAX_ROTATED; k++) {
    const st = await stat(`${path}.${k}`).catch(() => undefined);
    if (!st) break;
    rotated.push({ file: `${path}.${k}`, ino: st.ino, size: st.size });
  }
  // Oldest first. The followed file is finished from where we were; newer ones are read whole. When
  // it was rotated out of reach, what it still held is gone, and every rotated file is newer.
  const at = rotated.findIndex((r) => r.ino === ino);
  const followed = rotated[at];
  const newer = at === -1 ? rotated : rotated.slice(0, at);
  if (followed && followed.size > position) emit(await readRange(followed.file, position, followed.size));
  for (const r of newer.reverse()) emit(await readRange(r.file, 0, r.size));
}

async function readRange(path: string, from: number, to: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(to - from);
    await handle.read(buf, 0, buf.length, from);
    return buf.toString("utf8");
  } finally {
    await handle.close();
  }
}
