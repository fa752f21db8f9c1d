/**
 * Anthropic Messages API (`POST /v1/messages`, streaming SSE or plain JSON) as Claude Code uses it:
 * turns, deferred MCP tools found through `ToolSearch`, and the session-title request
 * (`output_config.format`) answered with JSON matching its schema.
 */

import type { ServerResponse } from "node:http";
import {
  type CcccMessage,
  findCcccMessage,
  type ModelScript,
  type SentToken,
  sampleForSchema,
  wordChunks,
} from "./script.js";
import { sendEvent, startSse } from "./sse.js";

export const CLAUDE_REPLY_TOOL = "mcp__cccc__cccc_message_reply";
const TOOL_SEARCH = "ToolSearch";

type Block = {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  tool_use_id?: string;
  content?: string | { type: string; text?: string }[];
  is_error?: boolean;
  input?: { command?: string };
};
interface Message {
  role: string;
  content: string | Block[];
}
interface Tool {
  name?: string;
  defer_loading?: boolean;
}
export interface MessagesRequest {
  model?: string;
  messages?: Message[];
  tools?: Tool[];
  stream?: boolean;
  output_config?: { format?: { schema?: unknown } };
}

type Out = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown };

let seq = 0;
const nextId = (prefix: string) => `${prefix}_fake${(++seq).toString().padStart(6, "0")}`;

/** What the scripted model answers to one request (pure, from the request alone). */
export function anthropicTurn(req: MessagesRequest, script: ModelScript): Out {
  if (req.output_config?.format) {
    return { type: "text", text: JSON.stringify(sampleForSchema(req.output_config.format.schema)) };
  }
  const messages = req.messages ?? [];
  // Claude Code appends a role "system" message after the user's; the turn answers the last user one.
  const last = messages.findLast((m) => m.role === "user");
  const results = blocks(last).filter((b) => b.type === "tool_result");
  const message = latestCcccMessage(messages);
  if (results.length > 0) {
    const called = toolName(messages, results[0]?.tool_use_id);
    if (called === TOOL_SEARCH && message) return replyCall(message, script);
    if (called === "Bash") return { type: "text", text: afterBash(messages, results[0], script) };
    return { type: "text", text: script.done };
  }
  const typed = findCcccMessage(textOf(last));
  if (!typed) return { type: "text", text: script.done };
  const command = script.bash?.(typed);
  if (command !== undefined)
    return {
      type: "tool_use",
      id: nextId("toolu"),
      name: "Bash",
      input: { command, description: "CCCC test" },
    };
  const how = typeof script.answer === "function" ? script.answer(typed) : script.answer;
  if (how === "text") return { type: "text", text: script.reply(typed) };
  const reply = (req.tools ?? []).find((t) => t.name === CLAUDE_REPLY_TOOL);
  if (reply && !reply.defer_loading) return replyCall(typed, script);
  return {
    type: "tool_use",
    id: nextId("toolu"),
    name: TOOL_SEARCH,
    input: { query: `select:${CLAUDE_REPLY_TOOL}`, max_results: 1 },
  };
}

export function writeAnthropic(
  res: ServerResponse,
  req: MessagesRequest,
  out: Out,
  stream: { chunkMs?: number; tokens?: SentToken[] } = {},
): void {
  const id = nextId("msg");
  const model = req.model ?? "fake-model";
  const stopReason = out.type === "tool_use" ? "tool_use" : "end_turn";
  const usage = {
    input_tokens: 10,
    output_tokens: 5,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  if (!req.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model,
        content: [out],
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      }),
    );
    return;
  }
  startSse(res);
  sendEvent(res, "message_start", {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  if (out.type === "text") {
    sendEvent(res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const chunks = stream.chunkMs ? wordChunks(out.text) : [out.text];
    const sendChunk = (i: number) => {
      if (res.destroyed) return;
      const text = chunks[i] ?? "";
      stream.tokens?.push({ at: Date.now(), text });
      sendEvent(res, "content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text },
      });
      if (i + 1 < chunks.length) setTimeout(() => sendChunk(i + 1), stream.chunkMs);
      else finishMessage(res, stopReason);
    };
    sendChunk(0);
    return;
  }
  sendEvent(res, "content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "tool_use", id: out.id, name: out.name, input: {} },
  });
  sendEvent(res, "content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "input_json_delta", partial_json: JSON.stringify(out.input) },
  });
  finishMessage(res, stopReason);
}

function finishMessage(res: ServerResponse, stopReason: string): void {
  if (res.destroyed) return;
  sendEvent(res, "content_block_stop", { type: "content_block_stop", index: 0 });
  sendEvent(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  sendEvent(res, "message_stop", { type: "message_stop" });
  res.end();
}

function replyCall(message: CcccMessage, script: ModelScript): Out {
  return {
    type: "tool_use",
    id: nextId("toolu"),
    name: CLAUDE_REPLY_TOOL,
    input: { event_id: message.replyId, text: script.reply(message) },
  };
}

function afterBash(messages: Message[], result: Block | undefined, script: ModelScript): string {
  const content = result?.content;
  const text = typeof content === "string" ? content : (content ?? []).map((c) => c.text ?? "").join("\n");
  const isError = result?.is_error === true;
  const use = messages.flatMap(blocks).find((b) => b.type === "tool_use" && b.id === result?.tool_use_id);
  const command = use?.input?.command ?? "";
  if (script.afterBash) return script.afterBash({ text, isError, command });
  return isError ? `could not run ${command}: ${text.trim()}` : `ran ${command}: ${text.trim()}`;
}

function blocks(message: Message | undefined): Block[] {
  if (!message) return [];
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

function textOf(message: Message | undefined): string {
  if (message?.role !== "user") return "";
  return blocks(message)
    .filter((b) => b.type === "text")
    .map((b) => b.text ?? "")
    .join("\n");
}

function latestCcccMessage(messages: Message[]): CcccMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const found = findCcccMessage(textOf(messages[i]));
    if (found) return found;
  }
  return undefined;
}

function toolName(messages: Message[], toolUseId: string | undefined): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    for (const b of blocks(messages[i])) if (b.type === "tool_use" && b.id === toolUseId) return b.name;
  }
  return undefined;
}
