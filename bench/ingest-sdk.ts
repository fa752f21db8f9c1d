/**
 * The official `dingtalk-stream` SDK (devDependency, used only here) as an ack-only client, in its own
 * process, for the ingest benchmark's baseline. Its gateway URL is a module constant
 * (`GATEWAY_URL = https://api.dingtalk.com/...`), so requests to api.dingtalk.com are redirected to
 * the fake on loopback through an interceptor on the axios instance the SDK itself imports.
 * argv: apiBase appKey appSecret. Prints "ready" once registered; acks every robot callback at once.
 */
import { DWClient, TOPIC_ROBOT } from "dingtalk-stream";

const [apiBase = "", clientId = "", clientSecret = ""] = process.argv.slice(2);
// The SDK's own dependency (hoisted to node_modules/axios): the same ESM instance its client imports.
// Without the redirect the SDK would try the real DingTalk and fail (no network), so it cannot
// silently measure something else.
const { default: axios } = await import("axios");
axios.interceptors.request.use((config) => {
  config.url = config.url?.replace("https://api.dingtalk.com", apiBase);
  return config;
});

const client = new DWClient({ clientId, clientSecret });
client.registerCallbackListener(TOPIC_ROBOT, (msg) => {
  client.socketCallBackResponse(msg.headers.messageId, null);
});
await client.connect();
const wait = setInterval(() => {
  if (!client.connected) return;
  clearInterval(wait);
  process.stdout.write("ready\n");
}, 10);
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
