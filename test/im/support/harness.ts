import { Bridge, type BridgeConfig, type BridgeOptions } from "../../../src/im/bridge.js";
import { FakeHost } from "./fake-host.js";
import { DIRECT, GROUP, RecordingAdapter } from "./recording-adapter.js";

export interface Harness {
  host: FakeHost;
  adapter: RecordingAdapter;
  bridge: Bridge;
  clock: { now: number };
  /** Stop and start a fresh Bridge (new adapter) on the same host and state files. */
  restart(): Promise<void>;
}

export const FAST: BridgeOptions = { retry: { baseMs: 5, maxMs: 20, attempts: 4 }, cursorFlushMs: 5 };

export async function startBridge(
  config: Partial<BridgeConfig> = {},
  options: BridgeOptions = {},
  host = new FakeHost(),
): Promise<Harness> {
  const clock = { now: Date.parse("2026-09-01T08:00:00Z") };
  const make = () =>
    new Bridge(
      h.host,
      h.adapter,
      { platform: "dingtalk", filesEnabled: true, maxFileMb: 1, ...config },
      { now: () => clock.now, ...FAST, ...options },
    );
  const h = { host, adapter: new RecordingAdapter(), clock } as Harness;
  h.bridge = make();
  h.restart = async () => {
    await h.bridge.stop();
    h.adapter = new RecordingAdapter();
    h.bridge = make();
    await h.bridge.start();
  };
  await h.bridge.start();
  return h;
}

/** Subscribe a chat the way a user does: /subscribe, then approve the key. */
export async function subscribeChat(h: Harness, chatId = DIRECT): Promise<void> {
  const chatType = chatId === GROUP ? "group" : "direct";
  await h.adapter.receive({ chatId, chatType, text: "/subscribe" });
  const pending = await h.bridge.admin.pending();
  const key = pending.find((p) => p.chat_id === chatId)?.key;
  if (!key) throw new Error("no key issued");
  await h.bridge.admin.bind(key);
}
