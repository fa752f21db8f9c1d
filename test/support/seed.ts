/** The DingTalk setup guide's `cccc im set dingtalk …` command, word for word. */
export const IM_SET_DINGTALK = [
  "im",
  "set",
  "dingtalk",
  "--app-key-env",
  "DINGTALK_APP_KEY",
  "--app-secret-env",
  "DINGTALK_APP_SECRET",
  "--robot-code-env",
  "DINGTALK_ROBOT_CODE",
];
