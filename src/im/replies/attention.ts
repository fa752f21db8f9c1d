/** The `/status` lines for an actor that needs a human (both languages share the layout). */

import type { ActorSummary } from "../types.js";

const SCREEN_LINES = 6;

export function attentionLines(
  attention: NonNullable<ActorSummary["attention"]>,
  label: string,
  screenLabel: string,
): string[] {
  const lines = [`  ${label}: ${attention.message}`];
  const screen = attention.screen.slice(-SCREEN_LINES);
  if (screen.length > 0) lines.push(`  ${screenLabel}:`, ...screen.map((l) => `  │ ${l.trim()}`));
  return lines;
}
