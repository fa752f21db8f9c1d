/**
 * What a scripted agent does with one CCCC message: find the `[cccc] … (reply:XXXXXXXX)` header CCCC
 * typed, answer it through CCCC's MCP reply tool, end the turn with short text. Shared by both APIs.
 */

/** The message a turn answers: the 8-character id after `reply:` and the text after the header. */
export interface CcccMessage {
  replyId: string;
  text: string;
}

export interface ModelScript {
  /** Text sent with `cccc_message_reply`; default `pong: <message text>`. */
  reply(message: CcccMessage): string;
  /** Text that ends the turn after the reply (or when there is nothing to answer). */
  done: string;
  /**
   * "tool" (default): answer through CCCC's MCP reply tool. "text": answer with `reply(message)` as
   * the turn's plain text (a structured runner posts it), streamed word by word.
   */
  answer?: "tool" | "text" | ((message: CcccMessage) => "tool" | "text");
  /**
   * A shell command to ask for through Claude Code's Bash tool (Codex: `exec_command`) before
   * answering the typed message (undefined: none). The turn then ends with `afterBash` of the tool's
   * result as plain text.
   */
  bash?: (message: CcccMessage) => string | undefined;
  /** The turn's text after the Bash result; default `ran <command>: <output>` or `could not run <command>: <error>`. */
  afterBash?: (result: { text: string; isError: boolean; command: string }) => string;
  /** Pause between streamed text deltas (one per word); 0 sends the text in one delta. */
  chunkMs?: number;
}

/** A text delta the fake sent, with when (for the stream latency benchmark). */
export interface SentToken {
  at: number;
  text: string;
}

/** Splits text into word-sized deltas (each keeps its trailing space). */
export function wordChunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

export const DEFAULT_SCRIPT: ModelScript = {
  reply: (m) => `pong: ${m.text}`,
  done: "Replied through CCCC.",
};

const HEADER = /\[cccc\][^\n]*?\(reply:([0-9A-Za-z]{8})\)(?::[ \t]*([^\n]*))?/g;

/** The last CCCC message header in `content`, or undefined (e.g. only the preamble was typed). */
export function findCcccMessage(content: string): CcccMessage | undefined {
  let found: CcccMessage | undefined;
  for (const match of content.matchAll(HEADER)) {
    const rest = content.slice((match.index ?? 0) + match[0].length);
    const sameLine = (match[2] ?? "").trim();
    // A multi-line message has ":" ending the header and its text on the next lines.
    const text = sameLine || (rest.startsWith("\n") ? (rest.slice(1).split("\n")[0] ?? "") : "");
    found = { replyId: match[1] ?? "", text: text.trim() };
  }
  return found;
}

/** A value matching a (simple) JSON schema, for the session-title requests both CLIs make. */
export function sampleForSchema(schema: unknown): unknown {
  const s = (schema ?? {}) as {
    type?: string | string[];
    properties?: Record<string, unknown>;
    items?: unknown;
    enum?: unknown[];
  };
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) out[k] = sampleForSchema(v);
    return out;
  }
  if (type === "array") return [];
  if (type === "number" || type === "integer") return 0;
  if (type === "boolean") return false;
  if (type === "null") return null;
  return "CCCC test session";
}
