/**
 * Claude Code's stream-json protocol (`claude -p --input-format stream-json --output-format
 * stream-json --verbose --include-partial-messages`): the argv, encoding a user turn or an interrupt
 * for stdin, and decoding one stdout line into what a structured session needs. Pure.
 */

import {
  clipActivity as clip,
  type Json,
  jsonObject,
  malformed,
  obj,
  type SessionSignal,
  type StructuredProtocol,
  str,
} from "./structured-protocol.js";

export const CLAUDE_STREAM_FLAGS = [
  "-p",
  "--input-format",
  "stream-json",
  "--output-format",
  "stream-json",
  "--verbose",
  "--include-partial-messages",
] as const;

/** Top-level `type`s the pinned CLI (2.1.x) prints that carry nothing a turn needs. */
const IGNORED_TYPES = new Set([
  "control_request",
  "control_cancel_request",
  "keep_alive",
  "rate_limit_event",
  "tool_progress",
  "tool_use_summary",
  "auth_status",
  "prompt_suggestion",
  "streamlined_text",
  "streamlined_tool_use_summary",
]);

/** The CCCC MCP tool Claude Code asks (`--permission-prompt-tool`) in permission mode `ask`. */
export const CLAUDE_PROMPT_TOOL = "mcp__cccc__cccc_approval_prompt";

/**
 * The argv: the actor's program (default `claude`) with the stream-json flags, the permission flags,
 * the CCCC preamble as an appended system prompt, and `--resume <id>` when a session exists.
 * `bypass` skips every permission check; `ask` sends each check to CCCC's prompt tool (the CCCC
 * tools themselves are allowed: they only talk to the group).
 */
export function claudeStructuredArgv(opts: {
  program: readonly string[];
  preamble: string;
  sessionId?: string;
  permissions?: "bypass" | "ask";
}): string[] {
  const program = opts.program.length > 0 ? [...opts.program] : ["claude"];
  const argv = [...program, ...CLAUDE_STREAM_FLAGS];
  if (opts.permissions === "ask") {
    const skip = argv.indexOf("--dangerously-skip-permissions");
    if (skip >= 0) argv.splice(skip, 1);
    argv.push("--permission-mode", "default", "--permission-prompt-tool", CLAUDE_PROMPT_TOOL);
    argv.push("--allowedTools", "mcp__cccc");
  } else if (!argv.includes("--dangerously-skip-permissions")) argv.push("--dangerously-skip-permissions");
  argv.push("--append-system-prompt", opts.preamble);
  if (opts.sessionId) argv.push("--resume", opts.sessionId);
  return argv;
}

export function encodeClaudeTurn(text: string): string {
  return `${JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "text", text }] } })}\n`;
}

export function encodeClaudeInterrupt(requestId: string): string {
  return `${JSON.stringify({ type: "control_request", request_id: requestId, request: { subtype: "interrupt" } })}\n`;
}

/** One stdout line → signals. Never throws: bad input becomes a `malformed` or `unknown` signal. */
export function decodeClaudeLine(line: string): SessionSignal[] {
  const trimmed = line.trim();
  if (trimmed === "") return [];
  const msg = jsonObject(trimmed);
  const type = str(msg?.type);
  if (!msg || !type) return malformed(trimmed);
  const out: SessionSignal[] = [];
  const session = str(msg.session_id);
  switch (type) {
    case "system":
      if (msg.subtype === "init" && session) out.push({ kind: "session", id: session });
      return out;
    case "stream_event":
      return decodeStreamEvent(obj(msg.event), msg.parent_tool_use_id);
    case "assistant":
      return decodeAssistant(obj(msg.message), msg.parent_tool_use_id);
    case "user":
      return [];
    case "result": {
      const text = str(msg.result) ?? "";
      const ok = msg.subtype === "success" && msg.is_error !== true;
      out.push({ kind: "result", ok, text, error: ok ? undefined : resultError(msg) });
      return out;
    }
    case "control_response":
      return [];
    default:
      if (IGNORED_TYPES.has(type)) return [];
      return [{ kind: "unknown", type }];
  }
}

function decodeStreamEvent(event: Json | undefined, parent: unknown): SessionSignal[] {
  // Deltas of a sub-agent (Task tool) are not the reply.
  if (!event || (parent !== null && parent !== undefined)) return [];
  if (event.type === "message_start") return [{ kind: "message_start" }];
  if (event.type !== "content_block_delta") return [];
  const delta = obj(event.delta);
  if (delta?.type === "text_delta" && typeof delta.text === "string")
    return [{ kind: "text", delta: delta.text }];
  return [];
}

function decodeAssistant(message: Json | undefined, parent: unknown): SessionSignal[] {
  const content = Array.isArray(message?.content) ? (message.content as unknown[]) : [];
  const out: SessionSignal[] = [];
  for (const raw of content) {
    const block = obj(raw);
    if (block?.type !== "tool_use") continue;
    const activity = describeTool(str(block.name) ?? "a tool", obj(block.input) ?? {});
    out.push({ kind: "activity", text: parent ? `sub-agent: ${activity}` : activity });
  }
  return out;
}

/** A compact activity line for a tool call: "reading src/app.ts", "running npm test". */
export function describeTool(name: string, input: Json): string {
  const path = str(input.file_path) ?? str(input.path) ?? str(input.notebook_path);
  switch (name) {
    case "Read":
      return `reading ${clip(path ?? "a file")}`;
    case "Write":
      return `writing ${clip(path ?? "a file")}`;
    case "Edit":
    case "MultiEdit":
    case "NotebookEdit":
      return `editing ${clip(path ?? "a file")}`;
    case "Bash":
      return `running ${clip(str(input.command) ?? "a command")}`;
    case "Grep":
    case "Glob":
      return `searching ${clip(str(input.pattern) ?? "")}`.trim();
    case "WebFetch":
    case "WebSearch":
      return `browsing ${clip(str(input.url) ?? str(input.query) ?? "the web")}`;
    case "Task":
      return `delegating ${clip(str(input.description) ?? "a task")}`;
    case "ToolSearch":
      return "looking up tools";
    default:
      if (name.startsWith("mcp__cccc__")) return `cccc: ${name.slice("mcp__cccc__cccc_".length) || name}`;
      return `using ${name}`;
  }
}

function resultError(msg: Json): string {
  const errors = Array.isArray(msg.errors) ? msg.errors.filter((e) => typeof e === "string") : [];
  const first = errors[0] as string | undefined;
  return first ?? str(msg.result) ?? `the CLI ended the turn with "${str(msg.subtype) ?? "error"}"`;
}

export const claudeProtocol: StructuredProtocol = {
  name: "claude",
  encodeTurn: encodeClaudeTurn,
  encodeInterrupt: encodeClaudeInterrupt,
  decodeLine: decodeClaudeLine,
};
