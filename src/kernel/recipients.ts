import type { ActorConfig } from "./config.js";
import { ValidationError } from "./errors.js";
import type { ChatMessageData, LedgerEvent } from "./types.js";

export const SELECTORS = ["@all", "@peers", "@foreman"] as const;

/** The foreman is the first enabled actor; with none enabled, the first actor. */
export function foremanOf(actors: readonly ActorConfig[]): ActorConfig | undefined {
  return actors.find((a) => a.enabled) ?? actors[0];
}

/**
 * Canonicalize recipient tokens: selectors, `user`, actor ids (with or without `@`) and actor
 * titles (case-insensitive, must be unique). Unknown tokens are an error listing what exists.
 */
export function resolveRecipients(tokens: readonly string[], actors: readonly ActorConfig[]): string[] {
  const out: string[] = [];
  const push = (t: string) => {
    if (!out.includes(t)) out.push(t);
  };
  for (const raw of tokens) {
    const token = raw.trim();
    if (token === "" || token === "@") continue;
    const lower = token.toLowerCase();
    if ((SELECTORS as readonly string[]).includes(lower)) {
      push(lower);
      continue;
    }
    if (lower === "user" || lower === "@user") {
      push("user");
      continue;
    }
    const bare = token.startsWith("@") ? token.slice(1) : token;
    const byId = actors.find((a) => a.id === bare);
    if (byId) {
      push(byId.id);
      continue;
    }
    const byTitle = actors.filter((a) => a.title !== "" && a.title.toLowerCase() === bare.toLowerCase());
    if (byTitle.length === 1 && byTitle[0]) {
      push(byTitle[0].id);
      continue;
    }
    if (byTitle.length > 1) {
      throw new ValidationError(
        "ambiguous_recipient",
        `Recipient "${token}" matches several actor titles; use an id.`,
      );
    }
    const known = actors.map((a) => a.id).join(", ") || "(no actors yet)";
    throw new ValidationError(
      "unknown_recipient",
      `Unknown recipient "${token}". Use @all, @peers, @foreman, user, or one of: ${known}.`,
      { recipient: token },
    );
  }
  return out;
}

/** Is this chat.message for this actor? The sender never receives its own message. */
export function isMessageFor(
  actorId: string,
  event: LedgerEvent<ChatMessageData>,
  actors: readonly ActorConfig[],
): boolean {
  if (event.by === actorId) return false;
  const to = event.data.to;
  if (to.length === 0 || to.includes("@all") || to.includes(actorId)) return true;
  const isForeman = foremanOf(actors)?.id === actorId;
  if (to.includes("@foreman") && isForeman) return true;
  if (to.includes("@peers") && !isForeman) return true;
  return false;
}
