import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import type { DaemonClient } from "../client/daemon-client.js";
import { sseItems } from "../client/sse.js";
import type { ChatStreamItem } from "../daemon/stream-hub.js";
import { CcccError } from "../kernel/errors.js";
import { type EventOf, isEventOf } from "../kernel/event-kinds.js";
import type { Attachment, LedgerEvent } from "../kernel/types.js";
import { action, type Cli, common } from "./context.js";
import { StreamPrinter } from "./stream-printer.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** One line a person can read for any ledger event. */
export function describeEvent(e: LedgerEvent): string {
  const head = `#${e.seq} ${e.ts.slice(11, 19)} ${e.id.slice(0, 8)}`;
  if (isEventOf(e, "chat.message")) {
    const d = e.data;
    const via = d.source ? ` [${d.source.platform} / ${d.source.user_name}]` : "";
    const files = d.attachments.length ? ` (+${d.attachments.map((a) => a.name).join(", ")})` : "";
    return `${head} ${e.by}${via} → ${d.to.join(", ")}: ${d.text}${files}`;
  }
  return `${head} ${e.kind} by ${e.by} ${JSON.stringify(e.data)}`;
}

async function upload(client: DaemonClient, groupPath: string, files: string[]): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const file of files) {
    const bytes = await readFile(file).catch(() => {
      throw new CcccError("file_not_found", `Cannot read "${file}": check the path.`);
    });
    const { attachment } = await client.request<{ attachment: Attachment }>(
      "POST",
      `${groupPath}/blobs?name=${encodeURIComponent(basename(file))}`,
      bytes,
    );
    out.push(attachment);
  }
  return out;
}

function actorOf(cli: Cli): string {
  const actor = (cli.opts as { actor?: string }).actor ?? cli.actorId;
  if (!actor) {
    throw new CcccError(
      "actor_required",
      "Which actor's inbox? Pass --actor <id> (agents have CCCC_ACTOR_ID set).",
    );
  }
  return actor;
}

/** `send` and `reply`: upload the --file attachments, then post the message as the caller. */
async function post(
  cli: Cli,
  route: "send" | "reply",
  verb: string,
  body: Record<string, unknown>,
): Promise<void> {
  const o = cli.opts as { to?: string[]; file?: string[]; clientId?: string };
  const path = await cli.groupPath();
  const attachments = await upload(cli.client, path, o.file ?? []);
  const { event } = await cli.client.post<{ event: EventOf<"chat.message"> }>(`${path}/${route}`, {
    ...body,
    to: o.to,
    client_id: o.clientId,
    attachments,
    by: cli.actorId,
  });
  const to = event.data.to.join(", ");
  cli.print(event, () => `${verb} ${event.id} → ${to}`);
}

export function messageCommands(program: Command): void {
  common(
    program.command("send <text...>").description("send a message (as the user, or as the calling actor)"),
  )
    .option(
      "-t, --to <recipient>",
      "@foreman (default for the user), @all, @peers, user, or an actor id; repeatable",
      collect,
    )
    .option("-f, --file <path>", "attach a file; repeatable", collect)
    .option("--client-id <key>", "idempotency key: retrying with the same key never sends twice")
    .action(action((cli, words: string[]) => post(cli, "send", "sent", { text: words.join(" ") })));

  common(program.command("reply <eventId> <text...>").description("reply to a message (id or prefix)"))
    .option("-t, --to <recipient>", "recipients (default: the original sender)", collect)
    .option("-f, --file <path>", "attach a file; repeatable", collect)
    .option("--client-id <key>", "idempotency key: retrying with the same key never sends twice")
    .action(
      action((cli, eventId: string, words: string[]) =>
        post(cli, "reply", "replied", { event_id: eventId, text: words.join(" ") }),
      ),
    );

  common(program.command("inbox").description("unread messages of the calling actor (JSON when piped)"))
    .option("-a, --actor <id>", "actor id (default $CCCC_ACTOR_ID)")
    .option("--mark-read", "mark them read after printing")
    .action(
      action(async (cli) => {
        const actor = actorOf(cli);
        const path = await cli.groupPath(`/inbox/${encodeURIComponent(actor)}`);
        const { events } = await cli.client.get<{ events: LedgerEvent[] }>(path);
        const last = events.at(-1);
        if ((cli.opts as { markRead?: boolean }).markRead && last) {
          await cli.client.post(`${path}/read`, { event_id: last.id });
        }
        if (cli.opts.json || !process.stdout.isTTY)
          process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        else process.stdout.write(`${events.map(describeEvent).join("\n") || "inbox is empty"}\n`);
      }),
    );

  common(program.command("tail").description("print the last events of the ledger; -f to follow"))
    .option("-n, --lines <n>", "how many events", "20")
    .option("-f, --follow", "keep printing new events")
    .option("--stream", "with -f: also show agents' replies live as they are written")
    .action(
      action(async (cli) => {
        const o = cli.opts as { lines: string; follow?: boolean; stream?: boolean };
        const gid = await cli.groupId();
        const n = Math.max(1, Number(o.lines) || 20);
        const { events, last_seq } = await cli.client.get<{ events: LedgerEvent[]; last_seq: number }>(
          `/api/v1/groups/${gid}/ledger?tail=${n}`,
        );
        const show = (e: LedgerEvent) =>
          process.stdout.write(`${cli.opts.json ? JSON.stringify(e) : describeEvent(e)}\n`);
        for (const e of events) show(e);
        if (!o.follow) return;
        const res = await cli.client.stream(gid, last_seq);
        const live = new StreamPrinter(cli.opts.json === true);
        for await (const item of sseItems(res)) {
          if (item.event === "ledger") show(item.data as LedgerEvent);
          else if (item.event === "stream" && o.stream) live.show(item.data as ChatStreamItem);
        }
      }),
    );
}
