/**
 * DingTalk as a `PlatformModule` (src/im/platform.ts): everything the core, daemon, CLI and Web UI
 * need to know about DingTalk, in one object. Listed in src/im/platforms.ts. Plain data here;
 * `load()` brings the zod schema and the adapter, so the CLI (which lists the platforms for its flags)
 * starts without them.
 */
import { definePlatform } from "../platform.js";
import type { DingTalkCredentials } from "./config.js";
import { CREDENTIAL_SPECS } from "./credentials.js";
import { classifyDingTalkError } from "./failures.js";
import { dingTalkUi } from "./ui.js";

export const dingtalk = definePlatform<DingTalkCredentials>({
  id: "dingtalk",
  ui: dingTalkUi,
  credentials: CREDENTIAL_SPECS,
  cli: {
    flags: [
      {
        flag: "--app-key-env <name>",
        description: "variable holding the DingTalk AppKey",
        required: true,
        credential: "app_key",
      },
      {
        flag: "--app-secret-env <name>",
        description: "variable holding the DingTalk AppSecret",
        required: true,
        credential: "app_secret",
      },
      {
        flag: "--robot-code-env <name>",
        description: "variable holding the RobotCode (optional, recommended)",
        required: false,
        credential: "robot_code",
      },
    ],
  },
  classifyError: classifyDingTalkError,
  load: async () => (await import("./runtime.js")).runtime,
});
