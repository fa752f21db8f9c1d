/** Fake model server for the real agent CLIs (see server.ts). */

export { CLAUDE_REPLY_TOOL } from "./anthropic.js";
export { CODEX_NAMESPACE, CODEX_REPLY_TOOL } from "./openai.js";
export { type CcccMessage, findCcccMessage, type ModelScript } from "./script.js";
export { type FakeModel, type FakeModelOptions, type ModelRequest, startFakeModel } from "./server.js";
