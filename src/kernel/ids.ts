import { randomBytes } from "node:crypto";
import { ValidationError } from "./errors.js";

export function newGroupId(): string {
  return `g_${randomBytes(6).toString("hex")}`;
}

export const GROUP_ID_PATTERN = /^g_[0-9a-f]{12}$/;

/** Ids that would be ambiguous with recipient selectors. */
const RESERVED_ACTOR_IDS = new Set(["user", "all", "system", "foreman", "peers", "admin", "root", "cccc"]);
const ACTOR_ID_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,31}$/u;

export function validateActorId(id: string): string {
  if (!ACTOR_ID_PATTERN.test(id)) {
    throw new ValidationError(
      "invalid_actor_id",
      `Invalid actor id "${id.length > 40 ? `${id.slice(0, 40)}…` : id}" (${id.length} characters): use 1–32 letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
  if (RESERVED_ACTOR_IDS.has(id.toLowerCase())) {
    throw new ValidationError("reserved_actor_id", `"${id}" is reserved for recipients; choose another id.`);
  }
  return id;
}
