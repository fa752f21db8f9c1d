/** Access-token cache: refreshed before expiry, one fetch at a time. */
import type { TokenSource } from "./request.js";

export class TokenCache implements TokenSource {
  private value?: string;
  private expiresAt = 0;
  private inflight?: Promise<string>;

  constructor(private readonly fetchToken: () => Promise<{ token: string; expiresInMs: number }>) {}

  get(signal: AbortSignal): Promise<string> {
    if (this.value && Date.now() < this.expiresAt) return Promise.resolve(this.value);
    this.inflight ??= this.fetchToken()
      .then(({ token, expiresInMs }) => {
        // Refresh 5 min early, or halfway for short-lived tokens.
        this.value = token;
        this.expiresAt = Date.now() + expiresInMs - Math.min(300_000, expiresInMs / 2);
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return signal.aborted ? Promise.reject(signal.reason) : this.inflight;
  }

  invalidate(token: string): void {
    if (this.value === token) this.value = undefined;
  }
}
