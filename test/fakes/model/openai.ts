/**
 * OpenAI Responses API (`POST /v1/responses`, streaming SSE) as Codex uses it: turns, MCP tools as a
 * namespace tool (`{"type":"namespace","name":"mcp__cccc",…}` → a `function_call` with
 * `"namespace":"mcp__cccc"`), a shell command through Codex's `exec_command` tool (`script.bash`), and
 * the title request (`text.format` json_schema) answered with JSON.
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

export const CODEX_NAMESPACE = "mcp__cccc";
export const CODEX_REPLY_TOOL = "cccc_message_reply";
/** Codex's shell tool (0.169.0, unified exec): `{"cmd": "…"}`. */
export const CODEX_SHELL_TOOL = "exec_command";

interface Item {
  type?: string;
  role?: string;
  content?: string | { type?: string; text?: string }[];
  name?: string;
  call_id?: string;
  arguments?: string;
  output?: string | { text?: string }[];
}
interface Tool {
  type?: string;
  name?: string;
  tools?: Tool[];
}
export interface ResponsesRequest {
  model?: string;
  input?: Item[];
  tools?: Tool[];
  text?: { format?: { type?: string; schema?: unknown } };
}

type Out =
  | { type: "message"; text: string }
  | { type: "function_call"; name: string; namespace?: string; arguments: string };

let seq = 0;
const nextId = (prefix: string) => `${prefix}_fake${(++seq).toString().padStart(6, "0")}`;

/** What the scripted model answers to one request (pure, from the request alone). */
export function responsesTurn(req: ResponsesRequest, script: ModelScript): Out {
  if (req.text?.format?.type === "json_schema") {
    return { type: "message", text: JSON.stringify(sampleForSchema(req.text.format.schema)) };
  }
  const input = req.input ?? [];
  const last = input.at(-1);
  if (last?.type === "function_call_output") {
    const call = input.find((i) => i.type === "function_call" && i.call_id === last.call_id);
    if (call?.name === CODEX_SHELL_TOOL) return { type: "message", text: afterShell(call, last, script) };
    return { type: "message", text: script.done };
  }
  const message = latestCcccMessage(input);
  if (!message) return { type: "message", text: script.done };
  const typed = findCcccMessage(textOf(input.findLast((i) => textOf(i) !== "") ?? {}));
  const command = typed ? script.bash?.(typed) : undefined;
  if (command !== undefined && (req.tools ?? []).some((t) => t.name === CODEX_SHELL_TOOL)) {
    return { type: "function_call", name: CODEX_SHELL_TOOL, arguments: JSON.stringify({ cmd: command }) };
  }
  const how = typeof script.answer === "function" ? script.answer(message) : script.answer;
  if (how === "text") return { type: "message", text: script.reply(message) };
  return replyCall(req.tools ?? [], message, script) ?? { type: "message", text: script.done };
}

/** Writes the SSE answer; a message's text streams word by word when `stream.chunkMs` is set. */
export function writeResponses(
  res: ServerResponse,
  req: ResponsesRequest,
  out: Out,
  stream: { chunkMs?: number; tokens?: SentToken[] } = {},
): void {
  const id = nextId("resp");
  const base = {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model: req.model ?? "fake-model",
  };
  const item =
    out.type === "message"
      ? {
          type: "message",
          id: nextId("msg"),
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: out.text, annotations: [] }],
        }
      : { ...out, id: nextId("fc"), call_id: nextId("call"), status: "completed" };
  startSse(res);
  sendEvent(res, "response.created", {
    type: "response.created",
    response: { ...base, status: "in_progress", output: [] },
  });
  sendEvent(res, "response.output_item.added", {
    type: "response.output_item.added",
    output_index: 0,
    item: out.type === "message" ? { ...item, status: "in_progress", content: [] } : item,
  });
  const complete = () => {
    if (res.destroyed) return;
    sendEvent(res, "response.output_item.done", { type: "response.output_item.done", output_index: 0, item });
    sendEvent(res, "response.completed", {
      type: "response.completed",
      response: {
        ...base,
        status: "completed",
        output: [item],
        usage: {
          input_tokens: 10,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 5,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 15,
        },
      },
    });
    res.end();
  };
  if (out.type !== "message") {
    complete();
    return;
  }
  const chunks = stream.chunkMs ? wordChunks(out.text) : [out.text];
  const sendChunk = (i: number) => {
    if (res.destroyed) return;
    const delta = chunks[i] ?? "";
    stream.tokens?.push({ at: Date.now(), text: delta });
    sendEvent(res, "response.output_text.delta", {
      type: "response.output_text.delta",
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta,
    });
    if (i + 1 < chunks.length) setTimeout(() => sendChunk(i + 1), stream.chunkMs);
    else complete();
  };
  sendChunk(0);
}

function replyCall(tools: Tool[], message: CcccMessage, script: ModelScript): Out | undefined {
  const args = JSON.stringify({ event_id: message.replyId, text: script.reply(message) });
  const ns = tools.find((t) => t.type === "namespace" && t.name === CODEX_NAMESPACE);
  if (ns?.tools?.some((t) => t.name === CODEX_REPLY_TOOL)) {
    return { type: "function_call", name: CODEX_REPLY_TOOL, namespace: CODEX_NAMESPACE, arguments: args };
  }
  const flat = tools.find((t) => t.name === `${CODEX_NAMESPACE}__${CODEX_REPLY_TOOL}`);
  return flat?.name ? { type: "function_call", name: flat.name, arguments: args } : undefined;
}

/**
 * The turn's text after a shell call: `ran <command>: <output>`, or `could not run <command>: <output>`
 * when Codex did not run it (an approval declined; Codex says so in the call's output).
 */
function afterShell(call: Item, result: Item, script: ModelScript): string {
  const command = (JSON.parse(call.arguments ?? "{}") as { cmd?: string }).cmd ?? "";
  const out = result.output;
  const text = typeof out === "string" ? out : (out ?? []).map((o) => o.text ?? "").join("\n");
  const isError = /rejected|declined|denied|not approved/i.test(text);
  if (script.afterBash) return script.afterBash({ text, isError, command });
  return isError ? `could not run ${command}: ${text.trim()}` : `ran ${command}: ${text.trim()}`;
}

function textOf(item: Item): string {
  if ((item.type ?? "message") !== "message" || item.role !== "user") return "";
  if (typeof item.content === "string") return item.content;
  return (item.content ?? []).map((c) => c.text ?? "").join("\n");
}

function latestCcccMessage(input: Item[]): CcccMessage | undefined {
  for (let i = input.length - 1; i >= 0; i--) {
    const found = findCcccMessage(textOf(input[i] as Item));
    if (found) return found;
  }
  return undefined;
}
