import type { Command } from "commander";
import type { ApprovalRecord } from "../kernel/approval.js";
import { action, common } from "./context.js";

function line(a: ApprovalRecord): string {
  const head = `${a.approval_id}  ${a.actor_id.padEnd(12)} ${a.tool.padEnd(8)} ${a.status}`;
  const d = a.decision;
  const who = d
    ? `  by ${d.decided_by} (${d.via})${d.reason ? `: ${d.reason}` : ""}`
    : `  until ${a.expires_at}`;
  return `${head}${who}\n    ${a.summary.split("\n").join("\n    ")}`;
}

/** `cccc approval list|approve|deny` (docs/approvals.md). */
export function approvalCommands(program: Command): void {
  const approval = program
    .command("approval")
    .description("the approval inbox (actors in permission mode ask)");

  common(approval.command("list").description("pending requests, then recent decisions"))
    .option("--all", "include the history")
    .action(
      action(async (cli) => {
        const o = cli.opts as { all?: boolean };
        const r = await cli.client.get<{ pending: ApprovalRecord[]; history: ApprovalRecord[] }>(
          await cli.groupPath("/approvals"),
        );
        cli.print(r, () => {
          const shown = o.all ? [...r.pending, ...r.history] : r.pending;
          return shown.length > 0 ? shown.map(line).join("\n") : "no approvals are pending";
        });
      }),
    );

  const decide = (name: "approve" | "deny", describe: string) =>
    common(approval.command(`${name} <id>`).description(describe))
      .option(
        name === "deny" ? "--reason <text>" : "--always",
        name === "deny" ? "why (the agent sees it)" : "for the rest of the agent's session",
      )
      .action(
        action(async (cli, id: string) => {
          const o = cli.opts as { reason?: string; always?: boolean };
          const decision = name === "deny" ? "deny" : o.always ? "always" : "approve";
          const { approval: a } = await cli.client.post<{ approval: ApprovalRecord }>(
            await cli.groupPath(`/approvals/${encodeURIComponent(id)}/decide`),
            { decision, via: "cli", ...(o.reason ? { reason: o.reason } : {}) },
          );
          cli.print(a, () => line(a));
        }),
      );
  decide("approve", "approve a request");
  decide("deny", "deny a request");
}
