/**
 * What Settings → IM Bridge shows for DingTalk: form fields, texts and troubleshooting hints (the
 * Troubleshooting part of the DingTalk setup guide). Plain data, rendered by the Web UI's generic form.
 */
import type { PlatformUi } from "../platform.js";

export const dingTalkUi: PlatformUi = {
  id: "dingtalk",
  label: "DingTalk",
  optionLabel: "DingTalk (钉钉)",
  chatNames: { zh: "钉钉" },
  fields: [
    {
      kind: "secret",
      credential: "app_key",
      label: "App Key",
      placeholder: "Your DingTalk AppKey",
      autoComplete: "off",
    },
    {
      kind: "secret",
      credential: "app_secret",
      label: "App Secret",
      placeholder: "Your DingTalk AppSecret",
      input: "password",
      autoComplete: "new-password",
      hint: "Keep your AppSecret confidential. It is stored on this machine only and never shown again.",
    },
    {
      kind: "secret",
      credential: "robot_code",
      label: "Robot Code",
      optional: true,
      placeholder: "RobotCode from your Robot settings",
      autoComplete: "off",
      hint: "Optional: copy RobotCode if shown in your Robot settings. CCCC can sometimes learn it after the first inbound message, but configuring it upfront is more reliable for attachments.",
    },
    {
      kind: "secret",
      credential: "http_token",
      label: "Token",
      mode: "http",
      placeholder: "The Token you enter in DingTalk for HTTP mode",
      input: "password",
      autoComplete: "off",
    },
    {
      kind: "secret",
      credential: "http_aes_key",
      label: "AES Key",
      mode: "http",
      placeholder: "The AES Key you enter in DingTalk for HTTP mode",
      input: "password",
      autoComplete: "off",
      hint: "In DingTalk, the message receiving URL must be a public URL that reaches this daemon; Stream mode needs none.",
    },
    { kind: "env", credential: "app_key", label: "App Key env", placeholder: "DINGTALK_APP_KEY" },
    { kind: "env", credential: "app_secret", label: "App Secret env", placeholder: "DINGTALK_APP_SECRET" },
    { kind: "env", credential: "robot_code", label: "Robot Code env", placeholder: "DINGTALK_ROBOT_CODE" },
  ],
  texts: {
    httpMode: "DingTalk calls a public URL that reaches this daemon",
    modeHint: "Choose the same mode in DingTalk: your app → Application Capabilities → Robot.",
    languageHint: "The language of the robot's replies in DingTalk chats.",
    envCommand: "cccc im set dingtalk --app-key-env …",
    envIntro:
      "writes them to group.yaml. A variable set in the daemon's environment wins over a value saved here (DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_ROBOT_CODE are read when no name is given).",
    subscribeHint: "in a DingTalk chat",
    cardsHint:
      "Streamed replies appear in an AI card that fills in live. Needs the app permissions Card.Instance.Write and Card.Streaming.Write; without them replies come as messages.",
    workingHint: "Instead of the 🤔 reaction, a small card that says when the answer came.",
  },
  hints: [
    {
      code: "invalid_app|invalid_?client|40096",
      message: "invalid appkey",
      title: "\u201cInvalid appkey\u201d",
      steps: [
        "Verify the AppKey and AppSecret in DingTalk Open Platform (Credentials & Basic Info).",
        "If you use environment variables, check they are set in the environment the daemon runs in.",
        "Ensure the application is published.",
      ],
    },
    {
      code: "no_permission|forbidden|access_?denied",
      title: "\u201cNo permission\u201d",
      steps: [
        "Check the required permissions are granted (Robot.SingleChat.ReadWrite, qyapi_chat_read).",
        "Verify the app is visible to the user.",
        "Ensure the app version is published.",
      ],
    },
    {
      code: "network|unreachable|timeout|stream_error|stream_zombie",
      title: "Connection issues",
      steps: ["Check network connectivity to DingTalk.", "Restart the bridge: Stop, then Start."],
    },
  ],
};
