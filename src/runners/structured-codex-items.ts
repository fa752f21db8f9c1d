/**
 * Codex app-server details a structured session needs besides the turn itself: the activity line for
 * a thread item ("running npm test", "cccc: message_reply") and the answer to a request the server
 * sends the client (approvals, elicitations). Pure.
 */

import { clipActivity as clip, type Json, obj, str } from "./structured-protocol.js";

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The activity line for a started item, or undefined for items that are not activity (messages). */
export function describeCodexItem(item: Json): string | undefined {
  switch (item.type) {
    case "commandExecution":
      return describeCommand(item);
    case "fileChange": {
      const paths = arr(item.changes).map((c) => str(obj(c)?.path) ?? "");
      const more = paths.length > 1 ? ` and ${paths.length - 1} more` : "";
      return `editing ${clip(paths[0] || "files")}${more}`;
    }
    case "mcpToolCall": {
      const server = str(item.server) ?? "";
      const tool = str(item.tool) ?? "a tool";
      if (server === "cccc") return `cccc: ${tool.replace(/^cccc_/, "")}`;
      return `using ${clip(server ? `${server}.${tool}` : tool)}`;
    }
    case "dynamicToolCall":
      return `using ${clip(str(item.tool) ?? "a tool")}`;
    case "webSearch":
      return `browsing ${clip(str(item.query) || "the web")}`;
    case "collabAgentToolCall":
      return `delegating ${clip(str(item.prompt) ?? "a task")}`;
    case "imageView":
      return `viewing ${clip(str(item.path) ?? "an image")}`;
    case "plan":
      return "planning";
    case "contextCompaction":
      return "compacting the conversation";
    default:
      return undefined;
  }
}

/** "reading src/app.ts" when Codex parsed the command as a read, else "running <command>". */
function describeCommand(item: Json): string {
  const action = obj(arr(item.commandActions)[0]);
  switch (action?.type) {
    case "read":
      return `reading ${clip(str(action.path) ?? str(action.name) ?? "a file")}`;
    case "listFiles":
      return `listing ${clip(str(action.path) ?? ".")}`;
    case "search":
      return `searching ${clip(str(action.query) ?? str(action.path) ?? "")}`.trim();
    default:
      return `running ${clip(str(item.command) ?? "a command")}`;
  }
}

/** How CCCC answers a request the app-server sends: a result, or a JSON-RPC error. */
export type CodexRequestAnswer = { result: unknown } | { error: { code: number; message: string } };

/**
 * A structured Codex actor runs like the terminal default (`--dangerously-bypass-approvals-and-sandbox`):
 * the thread starts with approvals "never", so these requests only come when the user's own Codex
 * config asks for them; they are approved (the actor's mode is "bypass"). An MCP server asking the
 * user for input is declined (nobody is at this terminal); any other request gets "not supported",
 * so Codex never waits for an answer that will not come.
 */
export function answerCodexRequest(method: string): CodexRequestAnswer {
  switch (method) {
    case "item/commandExecution/requestApproval":
    case "item/fileChange/requestApproval":
      return { result: { decision: "accept" } };
    case "execCommandApproval":
    case "applyPatchApproval":
      return { result: { decision: "approved" } };
    case "mcpServer/elicitation/request":
      return { result: { action: "decline", content: null, _meta: null } };
    default:
      return { error: { code: -32601, message: `CCCC does not handle "${method}" requests` } };
  }
}
