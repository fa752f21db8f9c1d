import type { PlatformInfo } from "../../api/types.ts";

/**
 * What to do about a bridge error: the platform's troubleshooting hints (from its setup guide,
 * served with its descriptor). The daemon's message says what happened; these lines say where to look.
 */
export function hintFor(
  platform: PlatformInfo | undefined,
  code: string,
  message: string,
): { title: string; steps: string[] } | null {
  const hint = platform?.hints.find(
    (h) =>
      new RegExp(h.code, "i").test(code) ||
      (h.message !== undefined && new RegExp(h.message, "i").test(message)),
  );
  return hint ? { title: hint.title, steps: hint.steps } : null;
}
