/** The soak report: the summary table and, when something was lost, the evidence per loss. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Accounting, Loss } from "./soak-check.js";
import type { Driver } from "./soak-drive.js";
import { gapRows } from "./soak-gaps.js";
import type { SoakOptions } from "./soak-plan.js";
import type { SoakWorld } from "./soak-world.js";

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function table(r: {
  o: SoakOptions;
  world: SoakWorld;
  driver: Driver;
  a: Accounting;
  drainMs: number;
  ok: boolean;
}): string {
  const { o, world, driver, a } = r;
  const byStage = (s: Loss["stage"]) => a.losses.filter((l) => l.stage === s).length;
  const faultKinds = new Map<string, string>();
  for (const f of driver.faults) {
    const [applied = 0, skipped = 0] = (faultKinds.get(f.fault) ?? "0/0").split("/").map(Number);
    faultKinds.set(f.fault, `${applied + (f.applied ? 1 : 0)}/${skipped + (f.applied ? 0 : 1)}`);
  }
  const stream = world.fake.stream;
  const rows: [string, string][] = [
    ["seed · traffic window · drain", `${o.seed} · ${o.minutes} min · ${secs(r.drainMs)}`],
    [
      "user messages sent (files)",
      `${driver.sent.length} (${driver.sent.filter((m) => m.shape === "file").length})`,
    ],
    ["reached the ledger once", `${[...a.userEvents.values()].filter((e) => e.length >= 1).length}`],
    ["delivered to agents", `${a.agentDeliveries} / ${a.expectedAgentDeliveries}`],
    ["agent replies written", `${a.repliesWritten}`],
    [
      "replies delivered to chats",
      `${a.deliveredChatReplies} / ${a.expectedChatReplies} (${world.chats.length} chats)`,
    ],
    ["file replies delivered", `${a.fileRepliesDelivered} / ${a.fileRepliesExpected}`],
    [
      "LOST (inbound · agent delivery · agent reply · outbound)",
      `${a.losses.length} (${byStage("inbound")} · ${byStage("agent delivery")} · ${byStage("agent reply")} · ${byStage("outbound")})`,
    ],
    ["duplicate user events in ledger", `${a.inboundDuplicates}`],
    ["agent re-deliveries (runner)", `${a.agentRedeliveries}`],
    ["duplicate agent replies in ledger", `${a.replyDuplicates}`],
    [
      "extra reply copies per chat",
      [...a.chatDuplicates.entries()].map(([c, n]) => `${c.replace("cid-soak-", "")}:${n}`).join(" "),
    ],
    ...[...faultKinds.entries()].map(([k, v]): [string, string] => [`fault ${k} (applied/skipped)`, v]),
    ["daemon SIGKILL + restart", `${driver.kills.length}`],
    [
      "Stream gateway opens · reconnects (excl. restarts)",
      `${stream.gatewayOpens} · ${stream.gatewayOpens - world.daemonStarts}`,
    ],
    ...gapRows(driver.offline.gaps(driver.faults, driver.kills)),
    ["callbacks re-pushed by the fake (unacked)", `${stream.redeliveries}`],
    [
      "latency user → reply in chat p50 · p95 · max",
      `${secs(pct(a.latencies, 50))} · ${secs(pct(a.latencies, 95))} · ${secs(Math.max(0, ...a.latencies))}`,
    ],
    ["verdict", r.ok ? "PASS" : "FAIL (lost > 0, or a chat got more duplicates than there were kills)"],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  const line = `+-${"-".repeat(w)}-+-${"-".repeat(v)}-+`;
  return [line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padEnd(v)} |`), line, ""].join("\n");
}

function logLines(path: string, needles: string[], max = 6): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => needles.some((n) => n && l.includes(n)))
    .slice(0, max);
}

/** For each loss (at most 12): when it was sent, what the fake saw, the faults and kills around it, log lines. */
export function evidence(world: SoakWorld, driver: Driver, a: Accounting): string {
  const t0 = driver.startedAt;
  const rel = (t: number) => `t=${((t - t0) / 1000).toFixed(1)}s`;
  const bridgeLog = join(world.groupDir, "state", "im_bridge.log");
  const out: string[] = ["Evidence (times relative to the start of traffic):"];
  out.push(
    `  kills at ${driver.kills.map((k) => `t=${(k / 1000).toFixed(1)}s`).join(", ") || "none"}; faults: ${driver.faults
      .map((f) => `${f.fault}@${(f.at / 1000).toFixed(1)}s${f.applied ? "" : "(skipped)"}`)
      .join(", ")}`,
  );
  for (const loss of a.losses.slice(0, 12)) {
    const m = driver.sent.find((s) => s.token === loss.token);
    if (!m) continue;
    const pushed = m.pushedAt - t0;
    const near = driver.faults
      .filter((f) => f.at >= pushed - 35_000 && f.at <= pushed + 5_000)
      .map((f) => `${f.fault}@${(f.at / 1000).toFixed(1)}s`);
    out.push(
      `- ${loss.stage}: ${loss.token}${loss.actor ? ` → ${loss.actor}` : ""}${loss.chat ? ` → ${loss.chat}` : ""}; pushed ${rel(m.pushedAt)} from ${world.chats[m.chat]?.conversationId} (${m.shape}, @${m.target})`,
    );
    out.push(`    faults in [-35 s, +5 s]: ${near.join(", ") || "none"}`);
    if (loss.stage === "inbound") {
      const acks = world.fake.acks.filter((k) => k.messageId === m.streamMessageId);
      out.push(
        `    fake: stream messageId ${m.streamMessageId}, acked ${acks.length}× ${acks.map((k) => `${rel(k.at)} on ${k.connectionId.slice(0, 8)}`).join(", ")}`,
      );
      for (const l of logLines(bridgeLog, [m.msgId, m.streamMessageId])) out.push(`    log: ${l}`);
    } else {
      const ev = a.userEvents.get(m.token)?.[0];
      out.push(`    ledger: user event seq ${ev?.seq} at ${ev?.ts}`);
      if (loss.stage === "outbound") {
        const reply = a.replies.get(`${m.token}|${loss.actor?.split(" ")[0]}`)?.[0];
        const replyAt = reply ? Date.parse(reply.ts) : 0;
        const toChat = world.fake.sent.filter((x) => world.chatOf(x.target)?.conversationId === loss.chat);
        const after = toChat.filter((x) => x.at >= replyAt);
        out.push(
          `    reply seq ${reply?.seq} at ${reply ? rel(replyAt) : "?"}; ${loss.chat} got ${after.length} messages after it (${after.map((x) => x.via).join(",")}), its last at ${rel(toChat.at(-1)?.at ?? t0)}`,
        );
      }
    }
  }
  if (a.losses.length > 12) out.push(`  … and ${a.losses.length - 12} more`);
  // Duplicates: more sends than ledger replies is the outbound side; equal means the reply itself repeated.
  for (const [key, times] of a.sends) {
    if (times.length < 2) continue;
    const [token = "", actor = "", chat = ""] = key.split("|");
    const replies = a.replies.get(`${token}|${actor}`) ?? [];
    out.push(
      `- duplicate: re ${token} ${actor} reached ${chat} ${times.length}× (${times.map(rel).join(", ")}); ledger has ${replies.length} such repl${replies.length === 1 ? "y" : "ies"} (seq ${replies.map((e) => `${e.seq} at ${e.ts.slice(11, 23)}`).join(", ")}) → ${times.length > replies.length ? "outbound sent one reply twice" : "the reply was written twice"}`,
    );
  }
  return out.join("\n");
}
