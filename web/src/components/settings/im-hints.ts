/**
 * What to do about a bridge error, from the Troubleshooting part of the DingTalk setup guide.
 * The daemon's message says what happened; these lines say where to look.
 */
const HINTS: { match: RegExp; message?: RegExp; title: string; steps: string[] }[] = [
  {
    match: /invalid_app|invalid_?client|40096/i,
    message: /invalid appkey/i,
    title: "\u201cInvalid appkey\u201d",
    steps: [
      "Verify the AppKey and AppSecret in DingTalk Open Platform (Credentials & Basic Info).",
      "If you use environment variables, check they are set in the environment the daemon runs in.",
      "Ensure the application is published.",
    ],
  },
  {
    match: /no_permission|forbidden|access_?denied/i,
    title: "\u201cNo permission\u201d",
    steps: [
      "Check the required permissions are granted (Robot.SingleChat.ReadWrite, qyapi_chat_read).",
      "Verify the app is visible to the user.",
      "Ensure the app version is published.",
    ],
  },
  {
    match: /network|unreachable|timeout|stream_error|stream_zombie/i,
    title: "Connection issues",
    steps: ["Check network connectivity to DingTalk.", "Restart the bridge: Stop, then Start."],
  },
];

export function hintFor(code: string, message: string): { title: string; steps: string[] } | null {
  return HINTS.find((h) => h.match.test(code) || h.message?.test(message)) ?? null;
}
