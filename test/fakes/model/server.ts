/**
 * A scripted model server on loopback for the real agent CLIs: Anthropic Messages API (Claude Code)
 * and OpenAI Responses API (Codex). Every request is logged for assertions and debugging.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicTurn, type MessagesRequest, writeAnthropic } from "./anthropic.js";
import { type ResponsesRequest, responsesTurn, writeResponses } from "./openai.js";
import { DEFAULT_SCRIPT, type ModelScript, type SentToken } from "./script.js";

export interface ModelRequest {
  at: number;
  method: string;
  path: string;
  body: unknown;
  /** What the fake answered: the tool it called, "text", "title", or the HTTP status for others. */
  answer: string;
}

export interface FakeModelOptions {
  script?: Partial<ModelScript>;
}

export interface FakeModel {
  /** `http://127.0.0.1:<port>`: ANTHROPIC_BASE_URL, or `${url}/v1` as a Codex provider's base_url. */
  url: string;
  requests: ModelRequest[];
  /** Text deltas sent in streamed answers, with when. */
  tokens: SentToken[];
  close(): Promise<void>;
}

export async function startFakeModel(opts: FakeModelOptions = {}): Promise<FakeModel> {
  const script: ModelScript = { ...DEFAULT_SCRIPT, ...opts.script };
  const requests: ModelRequest[] = [];
  const tokens: SentToken[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        const body = parseJson(raw);
        const entry: ModelRequest = { at: Date.now(), method: req.method ?? "GET", path, body, answer: "" };
        requests.push(entry);
        entry.answer = route(entry, res, script, tokens);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(400);
        res.end();
      });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokens,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function route(entry: ModelRequest, res: ServerResponse, script: ModelScript, tokens: SentToken[]): string {
  const { method, path, body } = entry;
  if (path === "/api/hello") return status(res, 200);
  if (method === "POST" && path === "/v1/messages/count_tokens") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ input_tokens: 10 }));
    return "count_tokens";
  }
  if (method === "POST" && path === "/v1/messages") {
    const req = (body ?? {}) as MessagesRequest;
    const out = anthropicTurn(req, script);
    // Titles and tool calls come at once; only answer text streams word by word.
    const streamed = !req.output_config?.format && out.type === "text";
    writeAnthropic(res, req, out, streamed ? { chunkMs: script.chunkMs, tokens } : {});
    return req.output_config?.format ? "title" : out.type === "tool_use" ? out.name : "text";
  }
  if (method === "POST" && path === "/v1/responses") {
    const req = (body ?? {}) as ResponsesRequest;
    const out = responsesTurn(req, script);
    // Titles and tool calls come at once; only answer text streams word by word.
    const streamed = req.text?.format?.type !== "json_schema" && out.type === "message";
    writeResponses(res, req, out, streamed ? { chunkMs: script.chunkMs, tokens } : {});
    return req.text?.format?.type === "json_schema"
      ? "title"
      : out.type === "function_call"
        ? out.name
        : "text";
  }
  return status(res, 404);
}

function status(res: ServerResponse, code: number): string {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(code === 200 ? "{}" : JSON.stringify({ error: { type: "not_found", message: "not in the fake" } }));
  return String(code);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

function parseJson(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
