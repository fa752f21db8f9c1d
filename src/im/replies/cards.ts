/**
 * What cards say (docs/im-bridge.md "Cards"), per `im.language`. Kept apart from `Replies` so the
 * card texts live in one small place; tests assert on them.
 */
import type { Language } from "./index.js";

export interface CardTexts {
  /** The last line of a card whose turn was stopped (/stop, agent crash, stream ended early). */
  interrupted: string;
  /** … whose turn failed. */
  failed(why: string): string;
  /** … left open when the daemon stopped, finalized at the next start. */
  restarted: string;
  /** … that had no progress for a long time (watchdog). */
  stalled: string;
  /** A "working" card for an actor without a live stream (PTY, custom). */
  working(actor: string): string;
  /** … once its answer arrived (the answer follows as a message). */
  answered(actor: string): string;
  /** … after the bounded wait. */
  noAnswerYet(actor: string): string;
  /**
   * Told once per chat when the app lacks a card permission; replies come as messages. `help` is the
   * platform's own how-to-grant sentence per language (`CardSurface.permissionHelp`).
   */
  permission(scope: string, help: Record<Language, string>): string;
}

const en: CardTexts = {
  interrupted: "⚠️ interrupted",
  failed: (why) => `❌ failed: ${why}`,
  restarted: "⚠️ interrupted (CCCC restarted)",
  stalled: "⚠️ interrupted (no progress for a long time)",
  working: (actor) => `🤔 ${actor} is working on it…`,
  answered: (actor) => `✅ ${actor} answered (below)`,
  noAnswerYet: (actor) => `⏳ no answer yet from ${actor}; the reply will come as a message`,
  permission: (scope, help) =>
    `ℹ️ Replies come as messages because the app lacks the permission "${scope}". ${help.en} (or turn cards off: cccc im set … --cards off).`,
};

const zh: CardTexts = {
  interrupted: "⚠️ 已中断",
  failed: (why) => `❌ 失败：${why}`,
  restarted: "⚠️ 已中断（CCCC 已重启）",
  stalled: "⚠️ 已中断（长时间没有进展）",
  working: (actor) => `🤔 ${actor} 正在处理…`,
  answered: (actor) => `✅ ${actor} 已回复（见下方）`,
  noAnswerYet: (actor) => `⏳ ${actor} 暂无回复；回复到达后会以消息发送`,
  permission: (scope, help) =>
    `ℹ️ 回复以普通消息发送，因为应用缺少权限“${scope}”。${help.zh}（或关闭卡片：cccc im set … --cards off）。`,
};

export function cardTextsFor(language: Language): CardTexts {
  return language === "zh" ? zh : en;
}
