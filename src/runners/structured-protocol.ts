/** What a structured session (an agent CLI speaking JSON lines on stdio) is to the runner. */

/** One decoded stdout line, reduced to what a turn needs. */
export type SessionSignal =
  /** The CLI's conversation id: kept in the actor's state for `--resume`. */
  | { kind: "session"; id: string }
  /** A new assistant message starts (text of the next message follows a blank line). */
  | { kind: "message_start" }
  /** Assistant text as it streams. */
  | { kind: "text"; delta: string }
  /** A tool call, as a short line: "reading src/app.ts". */
  | { kind: "activity"; text: string }
  /** The turn is over; `text` is the final reply text. */
  | { kind: "result"; ok: boolean; text: string; error?: string }
  /** Not JSON, or JSON without a type. */
  | { kind: "malformed"; line: string }
  /** A JSON line of a type this version does not know. */
  | { kind: "unknown"; type: string };

export interface StructuredProtocol {
  name: string;
  /** A user turn for stdin (one line, newline-terminated). */
  encodeTurn(text: string): string;
  /** A request to stop the running turn, or null when the CLI only understands SIGINT. */
  encodeInterrupt(requestId: string): string | null;
  decodeLine(line: string): SessionSignal[];
}

/** How a turn ended. */
export type TurnState = "done" | "interrupted" | "failed";
