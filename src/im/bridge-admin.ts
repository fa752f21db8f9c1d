/**
 * The admin side of a group's bridge: approve a chat's one-time key, list pending and authorized
 * chats, revoke one. Only state files and the chat's "you are approved/revoked" note; the message
 * path lives in bridge.ts (docs/architecture.md).
 */
import type { Authorizer } from "./auth.js";
import type { Replies } from "./replies/index.js";
import type { BridgeState } from "./state.js";

export interface PendingInfo {
  key: string;
  chat_id: string;
  chat_type: "direct" | "group";
  chat_title: string;
  user_name: string;
  created_at: string;
  expires_at: string;
}

export interface AuthorizedInfo {
  chat_id: string;
  chat_type: "direct" | "group";
  chat_title: string;
  subscribed: boolean;
  paused: boolean;
  verbose: boolean;
  held_back: number;
  authorized_at: string;
  by: string;
  gone?: { at: string; reason: string };
}

export interface BridgeAdminDeps {
  state: BridgeState;
  auth: Authorizer;
  replies: Replies;
  groupInfo(): { id: string; title: string };
  /** Tell a chat something out of band (skipped, and logged, while the bridge is stopped). */
  tell(chatId: string, text: string): Promise<void>;
}

export class BridgeAdmin {
  constructor(private readonly deps: BridgeAdminDeps) {}

  /** Approve a one-time key: the chat is authorized, subscribed, and told so. */
  async bind(
    key: string,
    by = "user",
    source = by,
  ): Promise<{ chat: { chat_id: string; chat_type: string; chat_title: string } }> {
    await this.deps.state.ensureLoaded();
    const chat = await this.deps.auth.bind(key, by, source);
    await this.deps.tell(
      chat.chat_id,
      this.deps.replies.approved(this.deps.groupInfo().title, this.deps.groupInfo().id, chat.chat_type),
    );
    return { chat: { chat_id: chat.chat_id, chat_type: chat.chat_type, chat_title: chat.title } };
  }

  async pending(): Promise<PendingInfo[]> {
    await this.deps.state.ensureLoaded();
    return this.deps.auth.pending().map((p) => ({
      key: p.key,
      chat_id: p.chat_id,
      chat_type: p.chat_type,
      chat_title: p.chat_title,
      user_name: p.user_name,
      created_at: p.created_at,
      expires_at: p.expires_at,
    }));
  }

  async authorized(): Promise<AuthorizedInfo[]> {
    await this.deps.state.ensureLoaded();
    return this.deps.state.listAuthorized().map((c) => {
      const sub = this.deps.state.subscription(c.chat_id);
      return {
        chat_id: c.chat_id,
        chat_type: c.chat_type,
        chat_title: c.title,
        subscribed: sub?.subscribed ?? false,
        paused: sub?.paused ?? false,
        verbose: sub?.verbose ?? false,
        held_back: sub?.held_back ?? 0,
        authorized_at: c.authorized_at,
        by: c.by,
        ...(c.gone ? { gone: c.gone } : {}),
      };
    });
  }

  /** Remove a chat's authorization and subscription; the chat is told when the bridge runs. */
  async revoke(chatId: string, by = "user"): Promise<{ revoked: boolean; unsubscribed: boolean }> {
    await this.deps.state.ensureLoaded();
    const had = this.deps.state.authorized(chatId) !== undefined;
    const result = await this.deps.auth.revoke(chatId, by);
    if (had) await this.deps.tell(chatId, this.deps.replies.revoked);
    return result;
  }
}
