import { type Command, Option } from "commander";
// The one file, not the index: a value import from the index builds every schema of the contract at
// each CLI start (+4 MiB, +10 ms for `cccc im status`, docs/bench.md "CLI").
import { imWaiting } from "../contract/im-waiting.js";
import type { BodyOf, ImView } from "../contract/index.js";
import { followLog, imLogPath, readLogTail } from "../im/log.js";
import type { CliFlag } from "../im/platform.js";
import { PLATFORMS } from "../im/platforms.js";
import type { PlatformRegistry } from "../im/registry.js";
import { CcccError } from "../kernel/errors.js";
import { action, common } from "./context.js";

function describeStatus(view: ImView, platforms: PlatformRegistry): string {
  if (!view.config) return `IM bridge: not configured. Run "${platforms.setCommandHint()}".`;
  const s = view.status;
  const lines = [
    `platform: ${view.config.platform} (${view.config.mode ?? "stream"} mode)`,
    `bridge: ${s.running ? "running" : "stopped"}${s.state === "error" ? " (error)" : ""}${view.config.enabled ? "" : " — disabled"}`,
    `connected: ${s.connected ? `yes, since ${s.connected_since}` : "no"}${s.reconnects ? ` (${s.reconnects} reconnects)` : ""}`,
    `subscribers: ${s.subscribers}`,
  ];
  if (s.restarts) {
    lines.push(`restarts: ${s.restarts}${s.next_restart_at ? ` (next attempt ${s.next_restart_at})` : ""}`);
  }
  if (s.running) lines.push(`waiting: ${imWaiting(s).join("; ") || "nothing"}`);
  if (s.refused_inbound) lines.push(`messages refused by the flood limit: ${s.refused_inbound}`);
  if (s.last_error)
    lines.push(`last error: [${s.last_error.code}] ${s.last_error.message} (${s.last_error.at})`);
  return lines.join("\n");
}

/** Print the last `n` lines of the bridge log, then (with follow) every new line until Ctrl+C. */
async function showLog(file: string, n: number, follow: boolean): Promise<void> {
  const lines = await readLogTail(file, n).catch(() => undefined);
  if (lines === undefined) {
    throw new CcccError(
      "im_log_not_found",
      `No bridge log yet (${file}): start the bridge with "cccc im start".`,
    );
  }
  if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
  if (!follow) return;
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await followLog(file, (line) => process.stdout.write(`${line}\n`), { signal: stop.signal, pollMs: 300 });
}

/** The flags of `cccc im set`: every platform's; required by commander where every platform needs it. */
function setFlags(platforms: PlatformRegistry): { flag: CliFlag; option: Option; everywhere: boolean }[] {
  const seen = new Map<string, { flag: CliFlag; option: Option; everywhere: boolean }>();
  const all = platforms.all();
  for (const m of all) {
    for (const flag of m.cli.flags) {
      if (seen.has(flag.flag)) continue;
      const everywhere = all.every((o) => o.cli.flags.some((f) => f.flag === flag.flag && f.required));
      const option = new Option(flag.flag, flag.description);
      if (everywhere) option.makeOptionMandatory();
      seen.set(flag.flag, { flag, option, everywhere });
    }
  }
  return [...seen.values()];
}

export function imCommands(program: Command, platforms: PlatformRegistry = PLATFORMS): void {
  const im = program.command("im").description(`the IM bridge (${platforms.labels})`);

  const set = common(
    im.command("set <platform>").description("configure the bridge from environment variables"),
  );
  for (const { option } of setFlags(platforms)) set.addOption(option);
  set
    .option("--mode <mode>", "stream (default, no public URL) or http")
    .option("--language <lang>", "what the bot says in chats: en (default) or zh (简体中文)")
    .option("--cards <on|off>", "live AI cards for streamed replies (default on)")
    .option("--working <reaction|card>", "indicator for agents without a live stream (default reaction)")
    .action(
      action(async (cli, platform: string) => {
        const module = platforms.get(platform);
        if (!module) {
          throw new CcccError(
            "unsupported_platform",
            `Unsupported platform "${platform}": only ${platforms.ids.join(", ")} ${platforms.ids.length > 1 ? "are" : "is"} available.`,
          );
        }
        const o = cli.opts as Record<string, string | undefined>;
        if (o.cards !== undefined && o.cards !== "on" && o.cards !== "off") {
          throw new CcccError("invalid_cards", `Unsupported --cards "${o.cards}": use on or off.`);
        }
        if (o.working !== undefined && o.working !== "reaction" && o.working !== "card") {
          throw new CcccError(
            "invalid_working",
            `Unsupported --working "${o.working}": use reaction or card.`,
          );
        }
        if (o.language !== undefined && o.language !== "en" && o.language !== "zh") {
          throw new CcccError("invalid_language", `Unsupported --language "${o.language}": use en or zh.`);
        }
        // This platform's flags with the variable name each was given.
        const given = module.cli.flags.map((flag) => ({
          flag,
          name: o[new Option(flag.flag).attributeName()],
        }));
        const absent = given.filter((g) => g.flag.required && !g.name).map((g) => g.flag.flag);
        if (absent.length) {
          throw new CcccError("missing_option", `${platform} needs ${absent.join(" and ")}.`);
        }
        const required = given.filter((g) => g.flag.required && g.name).map((g) => g.name as string);
        const missing = required.filter((name) => !process.env[name]);
        if (missing.length) {
          throw new CcccError(
            "missing_env",
            `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set in this shell. Run: ${missing.map((m) => `export ${m}="…"`).join("; ")} and retry.`,
          );
        }
        type Body = BodyOf<"imConfigure">;
        const creds: Record<string, string | undefined> = {};
        for (const { flag, name } of given) {
          creds[`${flag.credential}_env`] = name;
          creds[flag.credential] = name ? process.env[name] : undefined;
        }
        // The daemon checks platform, mode and language and names the bad one.
        const view = await cli.client.call("imConfigure", await cli.gid({ create: true }), {
          ...creds,
          platform,
          mode: o.mode as Body["mode"],
          language: o.language as Body["language"],
          cards: o.cards as Body["cards"],
          working: o.working as Body["working"],
          start: false,
        });
        const envKey = (credential: string) =>
          module.credentials.find((c) => c.id === credential)?.envKey ?? `${credential}_env`;
        cli.print(view, () =>
          [
            "saved to group.yaml:",
            "im:",
            `  platform: ${platform}`,
            ...given.filter((g) => g.name).map((g) => `  ${envKey(g.flag.credential)}: ${g.name}`),
            ...(o.language ? [`  language: ${o.language}`] : []),
            ...(o.cards ? [`  cards: ${o.cards}`] : []),
            ...(o.working ? [`  working: ${o.working}`] : []),
            "(values stored in the 0600 secrets store). Next: cccc im start",
          ].join("\n"),
        );
      }),
    );

  common(im.command("start").description("start the bridge (checks the credentials first)")).action(
    action(async (cli) => {
      const r = await cli.client.call("imStart", await cli.gid());
      cli.print(
        r,
        () => `IM bridge running${r.status.connected ? " and connected" : ""}. Check: cccc im status`,
      );
    }),
  );

  common(im.command("stop").description("stop the bridge")).action(
    action(async (cli) => {
      const r = await cli.client.call("imStop", await cli.gid());
      cli.print(r, () => "IM bridge stopped");
    }),
  );

  common(im.command("status").description("running, connection, subscribers, last error")).action(
    action(async (cli) => {
      const view = await cli.client.call("im", await cli.gid());
      cli.print(view, () => describeStatus(view, platforms));
    }),
  );

  common(im.command("logs").description("the bridge log"))
    .option("-n, --lines <n>", "how many lines", "50")
    .option("-f, --follow", "keep printing new lines")
    .action(
      action(async (cli) => {
        const o = cli.opts as { lines: string; follow?: boolean };
        const file = imLogPath(cli.client.home.groupDir(await cli.groupId()));
        await showLog(file, Math.max(1, Number(o.lines) || 50), Boolean(o.follow));
      }),
    );

  common(im.command("bind").description("approve a chat that sent /subscribe"))
    .requiredOption("-k, --key <key>", "the one-time key the chat received")
    .action(
      action(async (cli) => {
        const r = await cli.client.call("imBind", await cli.gid(), {
          key: (cli.opts as { key: string }).key,
          actor: cli.actorId,
        });
        cli.print(r, () => `authorized and subscribed: ${r.chat.chat_title || r.chat.chat_id}`);
      }),
    );

  common(im.command("pending").description("chats waiting for approval")).action(
    action(async (cli) => {
      const r = await cli.client.call("imPending", await cli.gid());
      cli.print(r.pending, () =>
        r.pending.length
          ? r.pending
              .map((p) => `${p.key}  ${p.chat_type}  ${p.chat_title || p.chat_id}  by ${p.user_name}`)
              .join("\n")
          : "no pending requests",
      );
    }),
  );

  common(im.command("authorized").description("authorized chats")).action(
    action(async (cli) => {
      const r = await cli.client.call("imAuthorized", await cli.gid());
      cli.print(r.chats, () =>
        r.chats.length
          ? r.chats
              .map(
                (c) =>
                  `${c.chat_id}  ${c.chat_type}  ${c.chat_title || ""}  ${c.subscribed ? "subscribed" : "unsubscribed"}${c.paused ? " paused" : ""}${c.verbose ? " verbose" : ""}`,
              )
              .join("\n")
          : "no authorized chats",
      );
    }),
  );

  common(im.command("revoke").description("revoke a chat's authorization"))
    .requiredOption("--chat-id <id>", "the chat id (see cccc im authorized)")
    .action(
      action(async (cli) => {
        const chatId = (cli.opts as { chatId: string }).chatId;
        await cli.client.call("imRevoke", await cli.gid(), { chat_id: chatId });
        cli.print({ revoked: chatId }, () => `revoked ${chatId}`);
      }),
    );

  common(im.command("unset").description("remove the IM configuration and stored credentials")).action(
    action(async (cli) => {
      await cli.client.call("imRemove", await cli.gid());
      cli.print({ ok: true }, () => "IM bridge configuration removed");
    }),
  );
}
