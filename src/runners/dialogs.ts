/**
 * First-run dialogs of the agent CLIs, recognized from the visible screen (docs/runners.md, "Stuck
 * actors"). While one is up the terminal waits for a human, and typing a message into it would pick
 * the dialog's default answer (for claude's folder trust and bypass warning: "No, exit"). Pure.
 */

export type DialogCode =
  | "trust_folder"
  | "api_key_prompt"
  | "bypass_permissions_warning"
  | "onboarding"
  | "login_required";

export interface KnownDialog {
  code: DialogCode;
  /** What is on screen and what to do, for `cccc actor list`, `/status` and the Web UI ("{agent}": the runtime). */
  message: string;
}

interface Pattern {
  code: DialogCode;
  /** All must match the screen text (whitespace collapsed). */
  match: RegExp[];
  message: string;
}

const OPEN_TAB = "open the actor's terminal (Web UI terminal tab) and answer once";

const PATTERNS: readonly Pattern[] = [
  {
    code: "trust_folder",
    match: [/Yes, I trust this folder|Do you trust the (files|contents) (in|of) this (folder|directory)/i],
    message: `{agent} is asking whether to trust the project folder: ${OPEN_TAB} ("Yes, I trust this folder" / "Yes"); it is remembered per folder`,
  },
  {
    code: "api_key_prompt",
    match: [/Detected a custom API key|Do you want to use this API key/i],
    message: `claude is asking whether to use the API key from its environment (default "No"): ${OPEN_TAB} with "Yes"`,
  },
  {
    code: "bypass_permissions_warning",
    match: [/Bypass Permissions mode/i, /Yes, I accept|No, exit/i],
    message: `claude shows its bypass-permissions warning (default "No, exit"): ${OPEN_TAB} with "Yes, I accept"`,
  },
  {
    code: "onboarding",
    match: [/Choose the text style|Unable to connect to Anthropic services/i],
    message: `claude's first-run setup is on screen: ${OPEN_TAB} (or set "hasCompletedOnboarding": true in ~/.claude.json when using an API key)`,
  },
  {
    code: "login_required",
    match: [
      /Sign in with ChatGPT|Select login method/i,
      /Press enter to continue|Enter to confirm|Sign in another way/i,
    ],
    message: `{agent} wants a login: ${OPEN_TAB}, or configure an API key / model provider for it`,
  },
];

/** The first known dialog visible on `lines`, or undefined. */
export function detectDialog(lines: readonly string[]): KnownDialog | undefined {
  const text = lines.join("\n").replace(/\s+/g, " ");
  for (const p of PATTERNS) {
    if (p.match.every((re) => re.test(text))) return { code: p.code, message: p.message };
  }
  return undefined;
}
