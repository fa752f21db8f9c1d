/** What a structured session (an agent CLI speaking JSON lines on stdio) is to the runner. */

/** One decoded stdout line, reduced to what a turn needs. */
export type SessionSignal =
  /** The CLI's conversation id: kept in the actor's state for `--resume`. */
  | { kind: "session"; id: string }
  /** The session's handshake is done: turns can be written (protocols with `ready()`). */
  | { kind: "ready" }
  /** A new assistant message starts (text of the next message follows a blank line). */
  | { kind: "message_start" }
  /** Assistant text as it streams. */
  | { kind: "text"; delta: string }
  /** A tool call, as a short line: "reading src/app.ts". */
  | { kind: "activity"; text: string }
  /** The turn is over; `text` is the final reply text. */
  | { kind: "result"; ok: boolean; text: string; error?: string }
  /**
   * The CLI asks a person to approve a tool call (permission mode `ask`): the runner gets a decision
   * (the group's approval inbox) and writes `answer(decision)`; the turn waits meanwhile.
   */
  | { kind: "approval"; request: ToolApprovalRequest; answer(decision: ToolApprovalAnswer): string }
  /** A line to write to the CLI's stdin now (an answer to its request, a deferred interrupt). */
  | { kind: "write"; line: string }
  /** Worth a line in the actor's log, nothing more. */
  | { kind: "log"; line: string }
  /** The session cannot go on (its handshake failed): stop the process, even between turns. */
  | { kind: "fatal"; error: string }
  /** Not JSON, or JSON without a type. */
  | { kind: "malformed"; line: string }
  /** A JSON line of a type this version does not know. */
  | { kind: "unknown"; type: string };

/** A tool call the CLI wants approved, as the approval inbox files it (docs/approvals.md). */
export interface ToolApprovalRequest {
  tool: string;
  input: Record<string, unknown>;
  /** Unique per call: a retried filing of the same call gets the same approval. */
  toolUseId: string;
}

/** What was decided: `always` approves this and similar later calls for the rest of the session. */
export type ToolApprovalAnswer = { decision: "approve" | "always" } | { decision: "deny"; message: string };

export interface StructuredProtocol {
  name: string;
  /** Lines written once the process has started, before any turn (a handshake). */
  open?(): string[];
  /** False while the handshake is under way: turns wait for a `ready` signal. Absent: always ready. */
  ready?(): boolean;
  /** A user turn for stdin (one line, newline-terminated). */
  encodeTurn(text: string): string;
  /**
   * A request to stop the running turn; "" when the request will follow as a `write` signal (the
   * CLI has not yet said which turn runs); null when the CLI only understands SIGINT.
   */
  encodeInterrupt(requestId: string): string | null;
  decodeLine(line: string): SessionSignal[];
}

export type Json = Record<string, unknown>;

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;

/** The JSON object on a (trimmed) stdout line; undefined when the line is not one. */
export function jsonObject(trimmed: string): Json | undefined {
  try {
    return obj(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

/** The signal for a line that is not what the protocol expects (clipped: it goes to the log). */
export const malformed = (trimmed: string): SessionSignal[] => [
  { kind: "malformed", line: trimmed.slice(0, 200) },
];

/** How a turn ended. */
export type TurnState = "done" | "interrupted" | "failed";

/** One line of an activity description, at most 80 characters: "running npm test". */
export function clipActivity(s: string): string {
  const line = s.split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
