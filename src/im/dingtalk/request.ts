/**
 * The one way out to DingTalk (STYLE §4): every outbound HTTP call goes through `callDingTalk`,
 * which layers rate limiting, a per-attempt timeout, access-token handling (refresh and retry once),
 * retry with jittered backoff for throttling and 5xx, error classification and redacted logging.
 */
import { classify, type FailureBody, NetworkError, PlatformApiError, redact } from "./errors.js";
import type { RateLimiter } from "./rate-limit.js";
import { fetchGuarded, type HopCheck } from "./redirects.js";
import { backoffDelay, isAbortError, sleep } from "./timing.js";

/** Response conventions differ per API family (protocol §5.1). */
export type ApiFamily = "new" | "legacy" | "webhook" | "download";

export interface CallSpec {
  /** Rate-limit key and log label, e.g. `robot.groupMessages.send`. */
  name: string;
  method: "GET" | "POST" | "PUT";
  url: string;
  family: ApiFamily;
  /** new API: `x-acs-dingtalk-access-token` header; legacy: `?access_token=`. */
  auth: "header" | "query" | "none";
  json?: unknown;
  form?: FormData;
  /** Per-chat pacing key. */
  chatKey?: string;
  /** A budget shared across APIs (rate-limit.ts): messages and cards spend one, `im`. */
  budget?: string;
  /** Yields to every other waiter of its budget (a card's intermediate update; the final answer goes first). */
  low?: boolean;
  /** Safe to repeat after a network error (sends are not: at-most-once, protocol §5.4). */
  idempotent?: boolean;
  /** Return the successful Response unread (downloads). */
  raw?: boolean;
  timeoutMs?: number;
  /** Overrides the context's attempt limit (1 = the caller has its own retry loop). */
  maxAttempts?: number;
  /** Where the URL came from: a platform-provided `webhook`/`download` URL, or our own `api` call. */
  urlKind?: "api" | "webhook" | "download";
}

export interface TokenSource {
  get(signal: AbortSignal): Promise<string>;
  invalidate(token: string): void;
}

export interface CallContext {
  limiter: RateLimiter;
  tokens?: TokenSource;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Values never to be logged (app secret; tokens are added as they are used). */
  secrets: string[];
  log: (line: string) => void;
  /** Aborted when the owner shuts down: cancels waits and in-flight requests. */
  signal: AbortSignal;
  /** Checks the first URL and every redirect hop (url-guard.ts `hopGuard`); refusal throws. */
  guard: HopCheck;
}

export async function callDingTalk(ctx: CallContext, spec: CallSpec): Promise<unknown> {
  const maxAttempts = spec.maxAttempts ?? ctx.maxAttempts;
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    const token = spec.auth === "none" ? undefined : await needTokens(ctx, spec).get(ctx.signal);
    const slot = await ctx.limiter.acquire(spec.name, spec.chatKey, ctx.signal, spec);
    if (token && !ctx.secrets.includes(token)) ctx.secrets.push(token);
    let res: Response;
    try {
      res = await fetchGuarded(
        withToken(spec, token),
        {
          method: spec.method,
          headers: headersFor(spec, token),
          body: spec.form ?? (spec.json === undefined ? undefined : JSON.stringify(spec.json)),
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(spec.timeoutMs ?? ctx.timeoutMs)]),
        },
        spec.urlKind ?? "api",
        ctx.guard,
      );
    } catch (err) {
      slot.settle();
      if (ctx.signal.aborted) throw err;
      if (err instanceof PlatformApiError) {
        // The URL guard refused a hop (url-guard.ts): never retried, always logged.
        ctx.log(redact(`dingtalk ${spec.name} refused: ${err.code} ${err.message}`, ctx.secrets));
        throw err;
      }
      const cause = isAbortError(err) ? "timed out" : describe(err);
      const netErr = new NetworkError(spec.name, cause);
      if (spec.idempotent && attempt < maxAttempts) {
        await retryWait(ctx, spec, attempt, `network: ${cause}`);
        continue;
      }
      throw netErr;
    }
    slot.settle();
    if (spec.raw && res.ok) return res;
    const body = await readBody(res);
    const failure = failureOf(spec.family, res.status, body);
    if (!failure) return body;
    const err = classify(failure, spec.name);
    ctx.log(
      redact(`dingtalk ${spec.name} failed (attempt ${attempt}): ${err.code} ${err.message}`, ctx.secrets),
    );
    if (err.retry === "refresh-token" && token && !refreshed) {
      refreshed = true;
      needTokens(ctx, spec).invalidate(token);
      continue;
    }
    // Refused for speed: the call was not executed, so it takes no place in the windows.
    if (err.code === "dingtalk_throttled") slot.release();
    if (err.retry === "backoff" && attempt < maxAttempts) {
      await retryWait(ctx, spec, attempt, err.code, err.code === "dingtalk_throttled");
      continue;
    }
    throw err;
  }
}

function needTokens(ctx: CallContext, spec: CallSpec): TokenSource {
  if (!ctx.tokens) throw new Error(`callDingTalk: ${spec.name} needs a token source`);
  return ctx.tokens;
}

async function retryWait(
  ctx: CallContext,
  spec: CallSpec,
  attempt: number,
  why: string,
  throttled = false,
): Promise<void> {
  const ms = backoffDelay(attempt - 1, ctx.retryBaseMs, ctx.retryMaxMs);
  // DingTalk refused for speed: every call on this API and to this chat waits too, not only this one.
  if (throttled) ctx.limiter.hold(spec.name, spec.chatKey, ms);
  ctx.log(`dingtalk ${spec.name}: retrying in ${ms} ms (${why})`);
  await sleep(ms, ctx.signal);
}

function withToken(spec: CallSpec, token: string | undefined): string {
  if (spec.auth !== "query" || !token) return spec.url;
  const url = new URL(spec.url);
  url.searchParams.set("access_token", token);
  return url.toString();
}

function headersFor(spec: CallSpec, token: string | undefined): Record<string, string> {
  const h: Record<string, string> = { accept: "application/json" };
  if (spec.json !== undefined) h["content-type"] = "application/json";
  if (spec.auth === "header" && token) h["x-acs-dingtalk-access-token"] = token;
  return h;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { raw: text.slice(0, 500) }; // e.g. the IP-ban HTML page (§5.1)
  }
}

/** Null when the response is a success for its family; otherwise the error fields. */
export function failureOf(family: ApiFamily, status: number, body: unknown): FailureBody | null {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const errcode = b.errcode;
  const legacyFailed = errcode !== undefined && errcode !== 0 && errcode !== "0";
  if (status >= 200 && status < 300 && !legacyFailed) return null;
  if (status >= 200 && status < 300 && family === "new") return null;
  const code = legacyFailed ? String(errcode) : String(b.code ?? b.errcode ?? status);
  const message = String(b.message ?? b.errmsg ?? b.sub_msg ?? b.raw ?? `HTTP ${status}`);
  const subCode = b.sub_code === undefined ? undefined : String(b.sub_code);
  return { httpStatus: status, code, subCode, message, body };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

export function isRetryableError(err: unknown): boolean {
  return err instanceof PlatformApiError ? err.retry !== "none" : err instanceof NetworkError;
}
