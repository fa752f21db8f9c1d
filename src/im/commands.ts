import { type ApprovalCommand, approvalCommand } from "./approval-commands.js";
import { type Language, type Replies, repliesFor } from "./replies/index.js";
import { quoteRoute } from "./routing.js";
import type { BridgeState, Subscription } from "./state.js";
import type { ActionButton, ActorSummary, BridgeApprovals, InboundMessage, RecordEvent } from "./types.js";

export type CommandName =
  | "subscribe"
  | "unsubscribe"
  | "send"
  | "status"
  | "pause"
  | "resume"
  | "verbose"
  | "stop"
  | "help"
  | ApprovalCommand;

const ALIASES: Record<string, CommandName> = {
  subscribe: "subscribe",
  sub: "subscribe",
  unsubscribe: "unsubscribe",
  unsub: "unsubscribe",
  send: "send",
  status: "status",
  s: "status",
  pause: "pause",
  resume: "resume",
  verbose: "verbose",
  v: "verbose",
  help: "help",
  h: "help",
  stop: "stop",
  approve: "approve",
  deny: "deny",
  approvals: "approvals",
};

export type ParsedInput =
  | { type: "command"; name: CommandName; args: string }
  | { type: "unknown_command"; name: string }
  | { type: "plain"; text: string };

// `/cmd`, `/cmd@bot`, args may span lines. A full-width slash (Chinese IME) counts as `/`.
const COMMAND_RE = /^[/／]([A-Za-z][\w-]*)(?:@\S+)?(?:\s+([\s\S]*))?$/;

/** Parse a decoded message text (the leading @bot mention is already removed by the adapter). */
export function parseInput(raw: string): ParsedInput {
  let text = raw.trim();
  // A leftover leading `@Bot` token before a command (some clients keep it).
  const lead = /^@\S+\s+(?=[/／])/.exec(text);
  if (lead) text = text.slice(lead[0].length);
  const m = COMMAND_RE.exec(text);
  if (!m)
    return text.startsWith("/")
      ? { type: "unknown_command", name: text.slice(1).split(/\s/)[0] ?? "" }
      : { type: "plain", text };
  const word = (m[1] ?? "").toLowerCase();
  const name = ALIASES[word];
  if (!name) return { type: "unknown_command", name: word };
  return { type: "command", name, args: (m[2] ?? "").trim() };
}

export type SendTargets = { ok: true; to: string[]; text: string } | { ok: false; reply: string };

/**
 * Leading `@target` tokens of a /send become recipients (several allowed, also `@a,@b`); the first
 * token not starting with `@` starts the text. Known: @all, @peers, @foreman, actor ids and titles
 * (case-insensitive). An unknown @target is an error listing the agents, so a typo never goes to
 * the wrong agent. No target → `fallback` (the author of a quoted message), else @foreman.
 * Error replies are in `replies`' language.
 */
export function parseSendTargets(
  args: string,
  actors: readonly ActorSummary[],
  fallback?: string,
  replies: Replies = repliesFor("en"),
): SendTargets {
  const to: string[] = [];
  let rest = args.trim();
  for (;;) {
    const m = /^(@\S+)(?:\s+|$)/.exec(rest);
    if (!m?.[1]) break;
    for (const part of m[1].split(",")) {
      if (part === "" || part === "@") continue;
      const resolved = resolveTarget(part.startsWith("@") ? part.slice(1) : part, actors);
      if (!resolved)
        return {
          ok: false,
          reply: replies.unknownRecipient(part.startsWith("@") ? part : `@${part}`, [...actors]),
        };
      if (!to.includes(resolved)) to.push(resolved);
    }
    rest = rest.slice(m[0].length);
  }
  if (actors.length === 0) return { ok: false, reply: replies.noAgents };
  if (to.length === 0) to.push(fallback ?? "@foreman");
  if (to.includes("@foreman") && !actors.some((a) => a.role === "foreman"))
    return { ok: false, reply: replies.noForeman };
  if (to.length === 1 && to[0] === "@peers" && !actors.some((a) => a.role === "peer")) {
    return { ok: false, reply: replies.noPeers };
  }
  return { ok: true, to, text: rest.trim() };
}

function resolveTarget(bare: string, actors: readonly ActorSummary[]): string | undefined {
  const lower = bare.toLowerCase();
  if (lower === "all" || lower === "peers" || lower === "foreman") return `@${lower}`;
  const byId = actors.find((a) => a.id.toLowerCase() === lower);
  if (byId) return byId.id;
  const byTitle = actors.filter((a) => a.title.toLowerCase() === lower);
  return byTitle.length === 1 ? byTitle[0]?.id : undefined;
}

/** What a command needs from the bridge. */
export interface CommandContext {
  message: InboundMessage;
  state: BridgeState;
  groupId: string;
  /** The chat texts in the group's `im.language`. */
  replies: Replies;
  groupInfo(): { title: string; state: string; actors: ActorSummary[] };
  /** The bridge's last classified error, if any. */
  lastError?(): { code: string; message: string; at: string } | undefined;
  /** Messages queued to be sent to this chat (read fresh: a board shows the queue draining). */
  queued?(): number;
  now(): Date;
  reply(text: string, extra?: { kind: "help" | "status"; buttons: ActionButton[] }): Promise<void>;
  /** Record an `im.*` ledger event. */
  event: RecordEvent;
  /** Buttons that send commands back, or [] where the platform/chat cannot. */
  buttons(commands: Array<[title: string, command: string]>): ActionButton[];
  /** Revoke this chat (used by /unsubscribe). */
  revoke(): Promise<void>;
  /** Stop an agent's running turn (/stop); false when it had none. */
  interrupt?(actorId: string): Promise<boolean>;
  /**
   * Show `/status` as a live team board (a card re-rendered with `render`, board.ts); false when
   * the platform has no cards, they are off or the card failed: the text status is sent instead.
   */
  board?(render: () => { text: string; buttons: ActionButton[] }): Promise<boolean>;
  /** The approval inbox (/approve, /deny, /approvals). */
  approvals?: BridgeApprovals;
  /** `im.language`, for texts kept outside `replies` (approvals). */
  language?: Language;
  /** The platform's id and its name as the chat says it (approval texts: "… in <name>"). */
  platform?: { id: string; name: string };
  log?(line: string): void;
}

/**
 * What the inbound handler does after a command: nothing more (the command replied), or forward
 * `text` to the agents `to` (a /send). Commands never forward themselves, so the inbound handler is
 * the one place a message goes to the kernel.
 */
export type CommandOutcome = { forward: { to: string[]; text: string } } | undefined;

/** Run a command from an authorized chat (the authorization gate ran before). */
export async function runCommand(
  ctx: CommandContext,
  name: CommandName,
  args: string,
): Promise<CommandOutcome> {
  if (name === "send") return resolveSend(ctx, args, ctx.state.subscription(ctx.message.chatId));
  await answer(ctx, name, args);
  return undefined;
}

/** Every command but /send: change the chat's state, reply. */
async function answer(ctx: CommandContext, name: Exclude<CommandName, "send">, args: string): Promise<void> {
  const chatId = ctx.message.chatId;
  const sub = ctx.state.subscription(chatId);
  const info = () => ctx.groupInfo();
  const { replies } = ctx;
  const b = replies.buttons;
  switch (name) {
    case "subscribe": {
      const already = sub?.subscribed === true;
      const next =
        already && sub ? sub : await ctx.state.setSubscription(chatId, { subscribed: true }, ctx.now());
      if (!already) await ctx.event("im.subscribed", { chat_id: chatId, chat_type: ctx.message.chatType });
      return ctx.reply(replies.subscribed(info().title, ctx.groupId, ctx.message.chatType, next, already));
    }
    case "unsubscribe":
      await ctx.revoke();
      return ctx.reply(replies.unsubscribed);
    case "help":
      return ctx.reply(replies.help(ctx.message.chatType), {
        kind: "help",
        buttons: ctx.buttons([[b.status, "/status"], pauseButton(b, sub), [b.verbose, "/verbose"]]),
      });
    case "status": {
      if (ctx.board && (await ctx.board(() => statusReply(ctx, true)))) return;
      const r = statusReply(ctx, false);
      return ctx.reply(r.text, { kind: "status", buttons: r.buttons });
    }
    case "pause": {
      if (!sub?.subscribed) return ctx.reply(replies.notSubscribed);
      if (sub.paused) return ctx.reply(replies.alreadyPaused);
      await ctx.state.setSubscription(chatId, { paused: true, held_back: 0 }, ctx.now());
      await ctx.event("im.paused", { chat_id: chatId });
      return ctx.reply(replies.paused);
    }
    case "resume": {
      if (!sub?.subscribed) return ctx.reply(replies.notSubscribed);
      const held = sub.paused ? sub.held_back : 0;
      await ctx.state.setSubscription(chatId, { paused: false, held_back: 0 }, ctx.now());
      if (sub.paused) await ctx.event("im.resumed", { chat_id: chatId, held_back: held });
      return ctx.reply(replies.resumed(held));
    }
    case "verbose": {
      if (!sub?.subscribed) return ctx.reply(replies.notSubscribed);
      const arg = args.toLowerCase();
      let on: boolean;
      if (arg === "") on = !sub.verbose;
      else if (["on", "true", "1", "yes"].includes(arg)) on = true;
      else if (["off", "false", "0", "no"].includes(arg)) on = false;
      else return ctx.reply(replies.verboseUsage);
      if (on !== sub.verbose) {
        await ctx.state.setSubscription(chatId, { verbose: on }, ctx.now());
        await ctx.event("im.verbose_changed", { chat_id: chatId, verbose: on });
      }
      return ctx.reply(replies.verbose(on));
    }
    case "stop":
      return stopCommand(ctx, args);
    case "approve":
    case "deny":
    case "approvals":
      return approvalCommand(ctx, name, args);
  }
}

/** The /status text and buttons, read fresh (a board re-renders it); the board also offers /stop. */
function statusReply(ctx: CommandContext, board: boolean): { text: string; buttons: ActionButton[] } {
  const sub = ctx.state.subscription(ctx.message.chatId);
  const b = ctx.replies.buttons;
  const buttons: Array<[string, string]> = [
    [b.refresh, "/status"],
    pauseButton(b, sub),
    verboseButton(b, sub),
  ];
  if (board) buttons.push([b.stop, "/stop"]);
  return {
    text: ctx.replies.status(ctx.groupInfo(), ctx.groupId, sub, ctx.lastError?.(), ctx.queued?.() ?? 0),
    buttons: ctx.buttons(buttons),
  };
}

/** `/stop [@agent]`: stop the agent's running turn; the foreman when no agent is named. */
async function stopCommand(ctx: CommandContext, args: string): Promise<void> {
  const { replies } = ctx;
  const actors = ctx.groupInfo().actors;
  const parsed = parseSendTargets(args.split(/\s+/)[0] ?? "", actors, undefined, replies);
  if (!parsed.ok) return ctx.reply(parsed.reply);
  const target = parsed.to[0] === "@foreman" ? actors.find((a) => a.role === "foreman")?.id : parsed.to[0];
  if (!target || target.startsWith("@") || !ctx.interrupt) return ctx.reply(replies.noAgents);
  return ctx.reply(replies.stopped(target, await ctx.interrupt(target)));
}

/** What `resolveSend` needs of a command context (plain texts build only this). */
export type SendContext = Pick<CommandContext, "message" | "replies" | "reply" | "groupInfo">;

/**
 * `/send …`, plain text in a direct chat (an implicit /send), and a group quote-reply to an agent:
 * the recipients and text to forward, or a reply saying why not. A quote-reply without `@targets`
 * goes to the quoted agent; the quote is kept as a `> …` first line. What to forward comes back at
 * once (no promise on the common path); a reply instead is a promise of nothing.
 */
export function resolveSend(
  ctx: SendContext,
  args: string,
  sub: Subscription | undefined,
): CommandOutcome | Promise<CommandOutcome> {
  const { replies } = ctx;
  if (sub?.paused) return answered(ctx, replies.pausedReply);
  const actors = info(ctx).actors;
  const quote = quoteRoute(ctx.message.quoted, actors);
  const parsed = parseSendTargets(args, actors, quote.to, replies);
  if (!parsed.ok) return answered(ctx, parsed.reply);
  if (parsed.text === "" && ctx.message.files.length === 0) return answered(ctx, replies.sendUsage);
  const text = quote.line ? [quote.line, parsed.text].filter((s) => s !== "").join("\n") : parsed.text;
  return { forward: { to: parsed.to, text } };
}

/** The chat is answered instead: nothing to forward. */
function answered(ctx: SendContext, text: string): Promise<CommandOutcome> {
  return ctx.reply(text).then(() => undefined);
}

function info(ctx: Pick<CommandContext, "groupInfo">) {
  return ctx.groupInfo();
}

type ButtonTitles = Replies["buttons"];

function pauseButton(b: ButtonTitles, sub: Subscription | undefined): [string, string] {
  return sub?.paused ? [b.resume, "/resume"] : [b.pause, "/pause"];
}

function verboseButton(b: ButtonTitles, sub: Subscription | undefined): [string, string] {
  return sub?.verbose ? [b.verboseOff, "/verbose off"] : [b.verboseOn, "/verbose on"];
}
