/**
 * The bridge core in process (FakeHost ledger) with the real DingTalk adapter over loopback to the
 * fake DingTalk: the world of the adapter-level outbound tests (chunked sends, pacing).
 */
import { Bridge } from "../../src/im/bridge.js";
import { DingTalkAdapter, type DingTalkAdapterConfig } from "../../src/im/dingtalk/adapter.js";
import { type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions } from "../fakes/dingtalk/server.js";
import { FakeHost } from "../im/support/fake-host.js";
import { waitFor } from "./cli.js";

export interface DingTalkBridgeOptions {
  /** Fake server options; `redeliverAfterMs` defaults to null (no redelivery). */
  fake?: FakeDingTalkOptions;
  /** The adapter's API client options (retries, client-side rate limits). */
  api?: DingTalkAdapterConfig["api"];
  /** The bridge's options (send-queue retry, cursor flush). */
  bridge?: ConstructorParameters<typeof Bridge>[3];
}

export interface DingTalkBridge {
  fake: FakeDingTalk;
  host: FakeHost;
  bridge: Bridge;
  /**
   * `/subscribe` from a group chat, approve its key, and wait for both replies (the key and the
   * approval); then forget what the fake received, so a case counts only its own sends.
   */
  subscribe(conversationId: string): Promise<void>;
  /** Bodies (text or markdown content) the fake accepted for the chat, in order of arrival. */
  bodies(conversationId: string): string[];
  /** The numbers of every `<prefix>N` marker the chat received, in order of arrival. */
  markers(conversationId: string, prefix: string): number[];
  close(): Promise<void>;
}

export async function startDingTalkBridge(opts: DingTalkBridgeOptions = {}): Promise<DingTalkBridge> {
  const fake = await startFakeDingTalk({ redeliverAfterMs: null, ...opts.fake });
  const host = new FakeHost();
  const adapter = new DingTalkAdapter({
    ...fake.client,
    stateDir: host.stateDir,
    log: (line) => host.logs.push(line),
    ...(opts.api ? { api: opts.api } : {}),
    stream: { disconnectJitterMs: 0 },
  });
  const bridge = new Bridge(
    host,
    adapter,
    { platform: "dingtalk", filesEnabled: false, maxFileMb: 1 },
    opts.bridge,
  );
  await bridge.start();
  const bodies = (cid: string) =>
    fake.sent
      .filter((m) => (m.target.conversationId ?? m.target.openConversationId) === cid)
      .map((m) => {
        const p = m.msgParam as { content?: string; text?: string };
        return p.content ?? p.text ?? "";
      });
  return {
    fake,
    host,
    bridge,
    async subscribe(conversationId) {
      const before = fake.sent.length;
      fake.push(fake.robotMessage({ chat: "group", conversationId, text: "/subscribe" }));
      const key = await waitFor(
        async () => (await bridge.admin.pending())[0]?.key,
        20_000,
        "the /subscribe key",
      );
      await bridge.admin.bind(key);
      await waitFor(
        () => fake.sent.length >= before + 2 || undefined,
        10_000,
        "the key reply and the bind reply",
      );
      fake.state.sent.length = 0;
    },
    bodies,
    markers: (cid, prefix) =>
      bodies(cid).flatMap((b) =>
        [...b.matchAll(new RegExp(`${prefix}(\\d+)\\b`, "g"))].map((m) => Number(m[1])),
      ),
    async close() {
      await bridge.stop();
      await fake.close();
      host.cleanup();
    },
  };
}
