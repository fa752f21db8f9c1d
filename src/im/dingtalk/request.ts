/**
 * The one way out to DingTalk (STYLE.md rule 4): every outbound HTTP call goes through
 * `callDingTalk`, which layers rate limiting, a per-attempt timeout, access-token handling (refresh
 * and repeat once), error classification and redacted logging. Retries follow transport/retry.ts:
 * a call marked `retriedBy: "caller"` (chat messages, uploads: the bridge's send queue retries them)
 * is attempted once; any other call is retried here with backoff for throttling, 5xx and — when
 * idempotent — network errors.
 */

import { backoffDelay } from "../transport/backoff.js";
import { type HttpPool, type PoolResponse, ResponseTooLargeError } from "../transport/http-pool.js";
import type { EncodedForm } from "../transport/multipart.js";
import type { RateLimiter } from "../transport/rate-window.js";
import { type RetryPolicy, retryDelay } from "../transport/retry.js";
import { isAbortError, sleep } from "../transport/sleep.js";
import {
  classify,
  type FailureBody,
  fileTooLarge,
  NetworkError,
  PlatformApiError,
  redact,
} from "./errors.js";
import { fetchGuarded, type HopCheck } from "./redirects.js";

/** Response conventions differ per API family (see `failureOf`). */
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
  /** A multipart body (transport/multipart.ts), for uploads. */
  form?: EncodedForm;
  /** Per-chat pacing key. */
  chatKey?: string;
  /** A budget shared across APIs (rate-limit.ts): messages and cards spend one, `im`. */
  budget?: string;
  /** Yields to every other waiter of its budget (a card's intermediate update; the final answer goes first). */
  low?: boolean;
  /**
   * Safe to repeat after a network error. Sends are not: a timeout after the request reached
   * DingTalk could duplicate a message, so they are at most once per attempt of their owner.
   */
  idempotent?: boolean;
  /** Return the successful answer itself, body as bytes (downloads). */
  raw?: boolean;
  /** Refuse a larger body (downloads): `dingtalk_file_too_large`, not retried. */
  maxBytes?: number;
  timeoutMs?: number;
  /**
   * Who retries this call: `client` (here, with the context's policy) or `caller` (one attempt; the
   * caller owns the retry policy, e.g. the bridge's send queue or the Stream reconnect loop).
   */
  retriedBy?: "client" | "caller";
  /** Where the URL came from: a platform-provided `webhook`/`download` URL, or our own `api` call. */
  urlKind?: "api" | "webhook" | "download";
}

export interface TokenSource {
  get(signal: AbortSignal): Promise<string>;
  invalidate(token: string): void;
}

export interface CallContext {
  /** Keep-alive connections (transport/http-pool.ts); the owner closes it. */
  http: HttpPool;
  limiter: RateLimiter;
  tokens?: TokenSource;
  timeoutMs: number;
  /** Retries of calls the client owns; also sizes the throttle hold (its first delay). */
  retry: RetryPolicy;
  /** Values never to be logged (app secret; tokens are added as they are used). */
  secrets: string[];
  log: (line: string) => void;
  /** Aborted when the owner shuts down: cancels waits and in-flight requests. */
  signal: AbortSignal;
  /** Checks the first URL and every redirect hop (url-guard.ts `hopGuard`); refusal throws. */
  guard: HopCheck;
}

export async function callDingTalk(ctx: CallContext, spec: CallSpec): Promise<unknown> {
  const policy: RetryPolicy = spec.retriedBy === "caller" ? { ...ctx.retry, attempts: 1 } : ctx.retry;
  let refreshed = false;
  for (let attempt = 0; ; ) {
    const token = spec.auth === "none" ? undefined : await needTokens(ctx, spec).get(ctx.signal);
    let error: PlatformApiError | NetworkError;
    try {
      return await attemptOnce(ctx, spec, token, attempt);
    } catch (err) {
      if (ctx.signal.aborted || !(err instanceof PlatformApiError || err instanceof NetworkError)) throw err;
      error = err;
    }
    // A rejected token is refreshed and the same attempt repeated, once per call.
    if (error instanceof PlatformApiError && error.refreshToken && token && !refreshed) {
      refreshed = true;
      needTokens(ctx, spec).invalidate(token);
      continue;
    }
    const retriable = error instanceof PlatformApiError || spec.idempotent;
    const ms = retriable ? retryDelay(error, policy, attempt) : undefined;
    if (ms === undefined) throw error;
    ctx.log(`dingtalk ${spec.name}: retrying in ${ms} ms (${error.code})`);
    await sleep(ms, ctx.signal);
    attempt++;
  }
}

/** One HTTP exchange (plus redirects): the answer's body, or a classified error. */
async function attemptOnce(
  ctx: CallContext,
  spec: CallSpec,
  token: string | undefined,
  attempt: number,
): Promise<unknown> {
  const slot = await ctx.limiter.acquire(spec.name, spec.chatKey, ctx.signal, spec);
  if (token && !ctx.secrets.includes(token)) ctx.secrets.push(token);
  let res: PoolResponse;
  try {
    res = await fetchGuarded(
      ctx.http,
      withToken(spec, token),
      {
        method: spec.method,
        headers: headersFor(spec, token),
        body: spec.form?.body ?? (spec.json === undefined ? undefined : JSON.stringify(spec.json)),
        signal: ctx.signal,
        timeoutMs: spec.timeoutMs ?? ctx.timeoutMs,
        maxBytes: spec.maxBytes,
      },
      spec.urlKind ?? "api",
      ctx.guard,
    );
  } catch (err) {
    slot.settle();
    if (ctx.signal.aborted) throw err;
    if (err instanceof ResponseTooLargeError) throw fileTooLarge(err.maxBytes);
    if (err instanceof PlatformApiError) {
      // The URL guard refused a hop (url-guard.ts): never retried, always logged.
      ctx.log(redact(`dingtalk ${spec.name} refused: ${err.code} ${err.message}`, ctx.secrets));
      throw err;
    }
    const cause = isAbortError(err) ? "timed out" : describe(err);
    ctx.log(
      redact(
        `dingtalk ${spec.name} failed (attempt ${attempt + 1}): dingtalk_network_error ${cause}`,
        ctx.secrets,
      ),
    );
    throw new NetworkError(spec.name, cause);
  }
  slot.settle();
  if (spec.raw && res.status >= 200 && res.status < 300) return res;
  const body = readBody(res);
  const failure = failureOf(spec.family, res.status, body);
  if (!failure) return body;
  const err = classify(failure, spec.name);
  ctx.log(
    redact(`dingtalk ${spec.name} failed (attempt ${attempt + 1}): ${err.code} ${err.message}`, ctx.secrets),
  );
  if (err.retry === "after") {
    // Refused for speed: the call was not executed, so it takes no place in the windows; every call
    // on this API and to this chat waits too, not only this one, and the owner waits at least as long.
    slot.release();
    const hold = backoffDelay(ctx.retry, attempt);
    ctx.limiter.hold(spec.name, spec.chatKey, hold);
    err.retryAfterMs = hold;
  }
  return Promise.reject(err);
}

function needTokens(ctx: CallContext, spec: CallSpec): TokenSource {
  if (!ctx.tokens) throw new Error(`callDingTalk: ${spec.name} needs a token source`);
  return ctx.tokens;
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
  if (spec.form) h["content-type"] = spec.form.contentType;
  if (spec.auth === "header" && token) h["x-acs-dingtalk-access-token"] = token;
  return h;
}

function readBody(res: PoolResponse): unknown {
  const text = res.text();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { raw: text.slice(0, 500) }; // e.g. the HTML page DingTalk serves to a banned IP
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
  const { code, cause } = err as { code?: string; cause?: { code?: string; message?: string } };
  return code ?? cause?.code ?? cause?.message ?? err.message;
}
