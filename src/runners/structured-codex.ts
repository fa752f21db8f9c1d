/**
 * Codex's machine interface as a structured session: `codex app-server` speaks JSON-RPC 2.0 (without
 * the "jsonrpc" field), one message per line on stdio. Handshake `initialize` → `initialized` →
 * `thread/start` (or `thread/resume` with the kept thread id); each turn is a `turn/start`, streamed
 * back as `item/agentMessage/delta` and `item/started` notifications and ended by `turn/completed`;
 * `turn/interrupt` stops it. One instance per process: it holds the thread id, the running turn's id
 * and its own request ids. Pure (no I/O): the runner writes what it returns.
 */

import {
  CODEX_APPROVAL_METHODS,
  codexApprovalRequest,
  codexApprovalResult,
} from "./structured-codex-approvals.js";
import { answerCodexRequest, describeCodexItem } from "./structured-codex-items.js";
import {
  type Json,
  jsonObject,
  malformed,
  obj,
  type SessionSignal,
  type StructuredProtocol,
  str,
  type ToolApprovalAnswer,
} from "./structured-protocol.js";

export interface CodexSessionOptions {
  /** The thread's working directory (the actor's scope). */
  cwd: string;
  /** CCCC's preamble, given as the thread's developer instructions. */
  instructions: string;
  /** The thread to resume; when Codex cannot resume it, a new thread starts (and is logged). */
  threadId?: string;
  /** CCCC's version, for the `initialize` client info. */
  clientVersion: string;
  /**
   * `ask`: the thread's approval policy is "untrusted" (Codex asks before any command it does not
   * know to be read-only, and before every file change); each request is an `approval` signal.
   * Default `bypass`: approvals "never", like the terminal's `--dangerously-bypass-approvals-and-sandbox`.
   */
  permissions?: "bypass" | "ask";
}

/**
 * The argv: the actor's program (default `codex`), `app-server`, and the same `-c` overrides the
 * terminal default uses — the "cccc" MCP server with the CCCC_* identity in `env_vars`, live web
 * search (`--search`). Approvals and the sandbox are set per thread (`thread/start`).
 */
export function codexStructuredArgv(program: readonly string[], mcpOverrides: readonly string[]): string[] {
  const argv = program.length > 0 ? [...program] : ["codex"];
  if (!argv.includes("app-server")) argv.push("app-server");
  return [...argv, ...mcpOverrides, "-c", 'web_search="live"'];
}

/** Notifications the pinned CLI sends that a turn does not need (others are logged once, then ignored). */
const QUIET = new Set([
  "thread/started",
  "thread/status/changed",
  "thread/tokenUsage/updated",
  "thread/name/updated",
  "account/rateLimits/updated",
  "remoteControl/status/changed",
  "item/completed",
  "item/reasoning/summaryTextDelta",
  "item/reasoning/summaryPartAdded",
  "item/reasoning/textDelta",
  "item/commandExecution/outputDelta",
  "item/fileChange/outputDelta",
  "item/mcpToolCall/progress",
  "turn/diff/updated",
  "turn/plan/updated",
  "serverRequest/resolved",
  "skills/changed",
]);

/** The MCP server the argv defines (`mcp_servers.cccc`, runtimes.ts). */
const CODEX_MCP_SERVER = "cccc";
type Pending = "initialize" | "thread/start" | "thread/resume" | "turn/start" | "turn/interrupt";

export class CodexSession implements StructuredProtocol {
  readonly name = "codex";
  private nextId = 0;
  private readonly requests = new Map<number, Pending>();
  private threadId: string | undefined;
  /** A turn/start was written and its turn/completed not yet seen. */
  private turnRunning = false;
  private turnId: string | undefined;
  private interruptWanted = false;
  /** CCCC's MCP server is starting: a turn sent now would not see its tools (Codex does not wait). */
  private mcpStarting = false;
  /** Text of the turn's latest finished agent message (the reply when turn/completed lists no items). */
  private lastMessage = "";
  private readonly logged = new Set<string>();
  /** The files of this turn's fileChange items (ask mode: a patch's approval request names only the item). */
  private readonly fileChanges = new Map<string, unknown[]>();

  constructor(private readonly opts: CodexSessionOptions) {}

  open(): string[] {
    const clientInfo = { name: "cccc", title: "CCCC", version: this.opts.clientVersion };
    return [this.request("initialize", { clientInfo, capabilities: null })];
  }

  ready(): boolean {
    return this.threadId !== undefined && !this.mcpStarting;
  }

  encodeTurn(text: string): string {
    this.turnRunning = true;
    this.turnId = undefined;
    this.interruptWanted = false;
    this.lastMessage = "";
    this.fileChanges.clear();
    const input = [{ type: "text", text, text_elements: [] }];
    return this.request("turn/start", { threadId: this.threadId, input });
  }

  encodeInterrupt(): string {
    if (!this.turnRunning) return "";
    if (this.turnId) return this.interruptLine();
    // turn/start has not answered yet: the request follows as soon as the turn's id is known.
    this.interruptWanted = true;
    return "";
  }

  decodeLine(line: string): SessionSignal[] {
    const trimmed = line.trim();
    if (trimmed === "") return [];
    const msg = jsonObject(trimmed);
    const method = str(msg?.method);
    if (msg && method && msg.id !== undefined)
      return this.onServerRequest(msg.id, method, obj(msg.params) ?? {});
    if (msg && method) return this.onNotification(method, obj(msg.params) ?? {});
    if (msg && typeof msg.id === "number" && ("result" in msg || "error" in msg)) {
      return this.onResponse(msg.id, obj(msg.result), obj(msg.error));
    }
    return malformed(trimmed);
  }

  private request(method: Pending, params: unknown): string {
    const id = ++this.nextId;
    this.requests.set(id, method);
    return `${JSON.stringify({ id, method, params })}\n`;
  }

  private interruptLine(): string {
    this.interruptWanted = false;
    return this.request("turn/interrupt", { threadId: this.threadId, turnId: this.turnId });
  }

  private threadRequest(method: "thread/start" | "thread/resume"): string {
    const params = {
      cwd: this.opts.cwd,
      approvalPolicy: this.opts.permissions === "ask" ? "untrusted" : "never",
      sandbox: "danger-full-access",
      developerInstructions: this.opts.instructions,
    };
    if (method === "thread/resume") return this.request(method, { ...params, threadId: this.opts.threadId });
    return this.request(method, params);
  }

  private onResponse(id: number, result: Json | undefined, error: Json | undefined): SessionSignal[] {
    const method = this.requests.get(id);
    this.requests.delete(id);
    const why = str(error?.message) ?? "no reason given";
    switch (method) {
      case "initialize": {
        if (error) return [{ kind: "fatal", error: `codex app-server refused to initialize: ${why}` }];
        const initialized = `${JSON.stringify({ method: "initialized" })}\n`;
        const thread = this.threadRequest(this.opts.threadId ? "thread/resume" : "thread/start");
        return [
          { kind: "write", line: initialized },
          { kind: "write", line: thread },
        ];
      }
      case "thread/resume":
        if (error) {
          return [
            {
              kind: "log",
              line: `could not resume codex thread ${this.opts.threadId} (${why}); starting a new one`,
            },
            { kind: "write", line: this.threadRequest("thread/start") },
          ];
        }
        return this.onThread(result);
      case "thread/start":
        if (error) return [{ kind: "fatal", error: `codex could not start a thread: ${why}` }];
        return this.onThread(result);
      case "turn/start":
        if (error) {
          this.turnRunning = false;
          return [{ kind: "result", ok: false, text: "", error: `codex refused the turn: ${why}` }];
        }
        return this.onTurnId(str(obj(result?.turn)?.id));
      case "turn/interrupt":
        return error ? [{ kind: "log", line: `codex refused to interrupt the turn: ${why}` }] : [];
      default:
        return [{ kind: "log", line: `codex answered a request CCCC did not send (id ${id})` }];
    }
  }

  private onThread(result: Json | undefined): SessionSignal[] {
    const id = str(obj(result?.thread)?.id);
    if (!id) return [{ kind: "fatal", error: "codex started a thread without an id" }];
    this.threadId = id;
    return [{ kind: "session", id }, { kind: "ready" }];
  }

  private onTurnId(id: string | undefined): SessionSignal[] {
    if (!this.turnRunning || !id || this.turnId) return [];
    this.turnId = id;
    return this.interruptWanted ? [{ kind: "write", line: this.interruptLine() }] : [];
  }

  private onServerRequest(id: unknown, method: string, params: Json): SessionSignal[] {
    const request =
      this.opts.permissions === "ask" && CODEX_APPROVAL_METHODS.has(method)
        ? codexApprovalRequest(method, params, this.fileChanges)
        : undefined;
    if (request) {
      const answer = (decision: ToolApprovalAnswer) =>
        `${JSON.stringify({ id, result: codexApprovalResult(method, params, decision) })}\n`;
      return [{ kind: "approval", request, answer }];
    }
    const answer = answerCodexRequest(method);
    const how = "result" in answer ? "answered" : "declined";
    return [
      { kind: "write", line: `${JSON.stringify({ id, ...answer })}\n` },
      { kind: "log", line: `codex asked "${method}"; ${how}` },
    ];
  }

  private onNotification(method: string, params: Json): SessionSignal[] {
    // Sub-agents run in threads of their own: only this thread's items are the reply.
    const thread = str(params.threadId);
    if (thread && this.threadId && thread !== this.threadId) return [];
    switch (method) {
      case "item/agentMessage/delta": {
        const delta = str(params.delta);
        return this.turnRunning && delta ? [{ kind: "text", delta }] : [];
      }
      case "item/started": {
        const item = obj(params.item) ?? {};
        if (!this.turnRunning) return [];
        if (item.type === "fileChange" && Array.isArray(item.changes)) {
          this.fileChanges.set(str(item.id) ?? "", item.changes);
        }
        if (item.type === "agentMessage") return [{ kind: "message_start" }];
        const text = describeCodexItem(item);
        return text ? [{ kind: "activity", text }] : [];
      }
      case "item/completed": {
        const item = obj(params.item);
        if (this.turnRunning && item?.type === "agentMessage") this.lastMessage = str(item.text) ?? "";
        return [];
      }
      case "turn/started":
        return this.onTurnId(str(obj(params.turn)?.id));
      case "mcpServer/startupStatus/updated":
        return this.onMcpStatus(params);
      case "turn/completed":
        return this.onTurnCompleted(obj(params.turn) ?? {});
      case "error": {
        const error = str(obj(params.error)?.message) ?? "unknown error";
        return [{ kind: "log", line: `codex error${params.willRetry ? " (retrying)" : ""}: ${error}` }];
      }
      default:
        if (QUIET.has(method) || this.logged.has(method)) return [];
        this.logged.add(method);
        return [{ kind: "log", line: `codex notification "${method}" (ignored)` }];
    }
  }

  /**
   * Codex starts MCP servers with each thread (the first notice comes before thread/start answers) and
   * does not wait for them: turns wait until CCCC's server is ready, or failed (Codex gives up after
   * its `startup_timeout_sec`, 30 s by default; the agent can still answer with plain text).
   */
  private onMcpStatus(params: Json): SessionSignal[] {
    if (params.name !== CODEX_MCP_SERVER) return [];
    const status = str(params.status);
    const wasStarting = this.mcpStarting;
    this.mcpStarting = status === "starting";
    if (this.mcpStarting || !wasStarting) return [];
    const out: SessionSignal[] = [{ kind: "ready" }];
    if (status !== "ready") {
      const why = str(params.error) ?? status ?? "unknown";
      out.unshift({ kind: "log", line: `CCCC's MCP server did not start in codex (${why.split("\n")[0]})` });
    }
    return out;
  }

  private onTurnCompleted(turn: Json): SessionSignal[] {
    if (!this.turnRunning) return [];
    this.turnRunning = false;
    this.turnId = undefined;
    const status = str(turn.status);
    if (status === "completed") return [{ kind: "result", ok: true, text: this.finalText(turn) }];
    const reason = str(obj(turn.error)?.message);
    const error =
      status === "interrupted"
        ? "the turn was interrupted"
        : `codex ended the turn ${status ?? "without a status"}${reason ? `: ${reason}` : ""}`;
    return [{ kind: "result", ok: false, text: "", error }];
  }

  /** The turn's last agent message: from turn/completed's items, else the last one seen finishing. */
  private finalText(turn: Json): string {
    const items = Array.isArray(turn.items) ? turn.items.map(obj) : [];
    const last = items.filter((i) => i?.type === "agentMessage").at(-1);
    return str(last?.text) ?? this.lastMessage;
  }
}
