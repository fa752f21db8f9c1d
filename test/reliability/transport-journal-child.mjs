// A bare DingTalk adapter in its own process (built code), whose message handler never finishes:
// the window between "acked" and "appended to the ledger". The test SIGKILLs it there.
import { DingTalkAdapter } from "../../dist/src/im/dingtalk/adapter.js";

const [apiBase, appKey, appSecret, stateDir] = process.argv.slice(2);
const adapter = new DingTalkAdapter({
  appKey,
  appSecret,
  apiBase,
  oapiBase: apiBase,
  stateDir,
  log: (line) => process.stderr.write(`${line}\n`),
});
await adapter.start(async (message) => {
  process.stdout.write(`got ${message.messageId}\n`);
  await new Promise(() => {}); // "the ledger append" never comes
});
process.stdout.write("ready\n");
