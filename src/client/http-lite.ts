/**
 * A minimal HTTP/1.1 request over `node:http` for the CLI's calls to the local daemon. Node's
 * `fetch` loads undici on first use (~40 MiB and a few hundred ms per process), which alone broke the
 * CLI's budget; the daemon is on loopback and answers small JSON, so this is all a command needs.
 */
import { request } from "node:http";

export interface LiteResponse {
  status: number;
  ok: boolean;
  text: string;
}

export interface LiteRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Give up after this long (the whole exchange). */
  timeoutMs?: number;
}

export function httpRequest(url: URL, init: LiteRequest = {}): Promise<LiteResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers["content-length"] = Buffer.byteLength(init.body);
    const req = request(url, { method: init.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    if (init.timeoutMs !== undefined) {
      req.setTimeout(init.timeoutMs, () => req.destroy(new Error(`timed out after ${init.timeoutMs} ms`)));
    }
    req.end(init.body);
  });
}
