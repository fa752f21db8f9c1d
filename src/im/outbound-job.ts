import type { OutboundDeps } from "./outbound-deps.js";
import type { EventMedia } from "./outbound-media.js";
import type { OutboundItem } from "./routing.js";
import type { Mergeable, SendJob } from "./send-queue.js";
import type { AuthorizedChat } from "./state.js";
import type { ActionButton, ChatTarget } from "./types.js";

/** What a send job needs from the follower that owns it (outbound.ts). */
export interface JobContext {
  deps: OutboundDeps;
  target(chat: AuthorizedChat): ChatTarget;
  /** Called once the job ends, whatever the outcome; the queue awaits it. */
  done(item: OutboundItem, chat: AuthorizedChat, outcome: Parameters<SendJob["done"]>[0]): Promise<void>;
}

/**
 * The send job that delivers one ledger item to one chat: attachments, then the text (or the
 * approval card / the stream card's final update). `cardOnly`: update the chat's approval card,
 * send no message (the chat gets none now).
 */
export function outboundJob(
  ctx: JobContext,
  item: OutboundItem,
  chat: AuthorizedChat,
  media: EventMedia,
  cardOnly = false,
): SendJob {
  const { deps } = ctx;
  const { adapter, files } = deps;
  const target = () => ctx.target(chat);
  const notes: string[] = [];
  const steps: SendJob["steps"] = [];
  if (item.attachments.length > 0 && !files.enabled)
    notes.push(deps.replies.attachmentsDisabled(item.attachments.length));
  if (files.enabled) {
    for (const a of item.attachments) {
      const progress = { sent: 0 };
      steps.push(async () => {
        const result = await media.get(a);
        if (result.note && !notes.includes(result.note)) notes.push(result.note);
        if (result.content) await adapter.send(target(), result.content, progress);
      });
    }
  }
  const cards = item.streamId ? deps.cards?.() : undefined;
  const buttons = itemButtons(deps, item, chat);
  const approvalCards = item.approval ? deps.approvalCards?.() : undefined;
  // A retried step resumes where the platform stopped accepting (a long text is several
  // messages), unless the text itself changed (the card took more of it meanwhile).
  let progress = { sent: 0 };
  let sending = "";
  steps.push(async () => {
    const approval = item.approval;
    if (approval && approvalCards && (await approvalCards.deliver(approval, chat.chat_id, target(), buttons)))
      return;
    if (cardOnly) return;
    // The stream's card may already show the answer: only what it does not show goes as messages.
    const body =
      cards && item.streamId ? await cards.deliverFinal(item.streamId, chat.chat_id, item.text) : item.text;
    if (body === "" && notes.length === 0) return;
    const text = notes.length > 0 ? `${body}${body ? "\n\n" : ""}${notes.join("\n")}` : body;
    if (text !== sending) [progress, sending] = [{ sent: 0 }, text];
    await adapter.send(target(), deps.chooseContent({ text, title: item.title, buttons }), progress);
  });
  const merge =
    steps.length === 1 && !cards && !item.buttons && !approvalCards
      ? mergeable(deps, item, notes, target)
      : undefined;
  return {
    label: `event #${item.seq}`,
    steps,
    // Final answers (and notices) for the user go before queued agent-to-agent traffic.
    urgent: item.audience === "user",
    ...(merge ? { merge } : {}),
    done: (outcome) => ctx.done(item, chat, outcome),
  };
}

/** An item's command buttons for this chat: direct chats only (a group needs an @mention). */
function itemButtons(deps: OutboundDeps, item: OutboundItem, chat: AuthorizedChat): ActionButton[] {
  if (!item.buttons || chat.chat_type !== "direct") return [];
  const out: ActionButton[] = [];
  for (const [title, command] of item.buttons) {
    const url = deps.commandUrl(command);
    if (url === undefined) return [];
    out.push({ title, url });
  }
  return out;
}

/** A plain text or markdown message may merge with the ones queued behind it (send-queue.ts). */
function mergeable(
  deps: OutboundDeps,
  item: OutboundItem,
  notes: string[],
  target: () => ChatTarget,
): Mergeable | undefined {
  const { adapter } = deps;
  const fits = adapter.fitsOneMessage?.bind(adapter);
  if (!fits) return undefined;
  const text = notes.length > 0 ? `${item.text}\n\n${notes.join("\n")}` : item.text;
  const content = deps.chooseContent({ text, title: item.title });
  if (content.type !== "text" && content.type !== "markdown") return undefined;
  // The audience is part of the key: a final answer is never folded into verbose traffic.
  return {
    key: `${content.type}:${item.audience}`,
    text: content.text,
    fits: (joined) => fits({ ...content, text: joined }),
    send: (joined) => adapter.send(target(), { ...content, text: joined }),
  };
}
