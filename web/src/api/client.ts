/** The one way the UI talks to the daemon: JSON over fetch, errors as `ApiError`. */
import type { Attachment, BodyOf, ImConfigInput, NewActor, ResponseOf } from "./types.ts";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      // No Content-Type without a body: the daemon refuses an empty JSON body (DELETE, bare POST).
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        Accept: "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("daemon_unreachable", "Cannot reach the CCCC daemon. Is `cccc` still running?", 0);
  }
  return parse<T>(response);
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A non-JSON body (a proxy page, a crash) is reported below with the HTTP status.
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      error?.code ?? `http_${response.status}`,
      error?.message ?? `The daemon answered ${response.status} ${response.statusText}`.trim(),
      response.status,
    );
  }
  return json as T;
}

const g = (gid: string) => `/groups/${encodeURIComponent(gid)}`;
const a = (gid: string, aid: string) => `${g(gid)}/actors/${encodeURIComponent(aid)}`;

export const api = {
  groups: () => request<ResponseOf<"listGroups">>("GET", "/groups"),
  createGroup: (title: string, scope?: string) =>
    request<ResponseOf<"createGroup">>("POST", "/groups", scope ? { title, scope } : { title }),
  group: (gid: string) => request<ResponseOf<"getGroup">>("GET", g(gid)),
  groupAction: (gid: string, action: "start" | "stop") =>
    request<ResponseOf<"startGroup" | "stopGroup">>("POST", `${g(gid)}/${action}`),

  addActor: (gid: string, actor: NewActor) =>
    request<ResponseOf<"addActor">>("POST", `${g(gid)}/actors`, actor),
  removeActor: (gid: string, aid: string) => request<ResponseOf<"removeActor">>("DELETE", a(gid, aid)),
  actorAction: (gid: string, aid: string, action: "start" | "stop" | "restart") =>
    request<ResponseOf<"startActor" | "stopActor" | "restartActor">>("POST", `${a(gid, aid)}/${action}`),
  actorEnv: (gid: string, aid: string) => request<ResponseOf<"actorEnv">>("GET", `${a(gid, aid)}/env`),
  setActorEnv: (gid: string, aid: string, key: string, value: string, secret: boolean) =>
    request<ResponseOf<"setActorEnv">>("PUT", `${a(gid, aid)}/env/${encodeURIComponent(key)}`, {
      value,
      secret,
    }),
  unsetActorEnv: (gid: string, aid: string, key: string) =>
    request<ResponseOf<"unsetActorEnv">>("DELETE", `${a(gid, aid)}/env/${encodeURIComponent(key)}`),

  approvals: (gid: string) => request<ResponseOf<"listApprovals">>("GET", `${g(gid)}/approvals`),
  decide: (gid: string, id: string, decision: BodyOf<"decideApproval">["decision"], reason?: string) =>
    request<ResponseOf<"decideApproval">>("POST", `${g(gid)}/approvals/${encodeURIComponent(id)}/decide`, {
      decision,
      via: "web",
      ...(reason ? { reason } : {}),
    }),
  interrupt: (gid: string, aid: string) =>
    request<ResponseOf<"interruptActor">>("POST", `${a(gid, aid)}/interrupt`, {}),

  ledgerTail: (gid: string, tail: number) =>
    request<ResponseOf<"ledger">>("GET", `${g(gid)}/ledger?tail=${tail}`),
  send: (gid: string, text: string, to: string[], attachments: Attachment[]) =>
    request<ResponseOf<"send">>("POST", `${g(gid)}/send`, { text, to, attachments }),
  uploadBlob: async (gid: string, file: File) => {
    const path = `/api/v1${g(gid)}/blobs?name=${encodeURIComponent(file.name)}`;
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: file,
    });
    return parse<ResponseOf<"uploadBlob">>(response);
  },

  imPlatforms: () => request<ResponseOf<"imPlatforms">>("GET", "/im/platforms"),
  im: (gid: string) => request<ResponseOf<"im">>("GET", `${g(gid)}/im`),
  saveIm: (gid: string, input: ImConfigInput) =>
    request<ResponseOf<"imConfigure">>("PUT", `${g(gid)}/im/config`, input),
  imAction: (gid: string, action: "start" | "stop") =>
    request<ResponseOf<"imStart" | "imStop">>("POST", `${g(gid)}/im/${action}`),
  removeIm: (gid: string) => request<ResponseOf<"imRemove">>("DELETE", `${g(gid)}/im`),
  imPending: (gid: string) => request<ResponseOf<"imPending">>("GET", `${g(gid)}/im/pending`),
  imBind: (gid: string, key: string) => request<ResponseOf<"imBind">>("POST", `${g(gid)}/im/bind`, { key }),
  imAuthorized: (gid: string) => request<ResponseOf<"imAuthorized">>("GET", `${g(gid)}/im/authorized`),
  imRevoke: (gid: string, chatId: string) =>
    request<ResponseOf<"imRevoke">>("POST", `${g(gid)}/im/revoke`, { chat_id: chatId }),
};

/** URLs the browser opens directly (links, EventSource). */
export const urls = {
  stream: (gid: string, after: number) => `/api/v1${g(gid)}/stream?after=${after}`,
  blob: (gid: string, attachment: Attachment) =>
    `/api/v1${g(gid)}/blobs/${encodeURIComponent(attachment.path.split("/").pop() ?? attachment.name)}`,
};

export function errorText(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: "error", message: error.message };
  return { code: "error", message: String(error) };
}
