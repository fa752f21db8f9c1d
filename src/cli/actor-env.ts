import type { Command } from "commander";
import type { ActorEnvView as EnvView } from "../contract/index.js";
import { CcccError, ValidationError } from "../kernel/errors.js";
import { action, common } from "./context.js";

/** `K=V` → [K, V]; the value may contain `=`. */
export function splitAssignment(text: string, what: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0)
    throw new ValidationError(
      "invalid_env",
      `${what} "${text}" is not KEY=VALUE (e.g. ANTHROPIC_BASE_URL=https://…).`,
    );
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Commander collector for repeatable `--env K=V`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function assignments(list: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  return Object.fromEntries(list.map((a) => splitAssignment(a, what)));
}

/** A secret value from stdin: piped text (one trailing newline dropped), or typed without echo. */
async function readSecret(key: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) text += chunk;
    return text.replace(/\r?\n$/, "");
  }
  process.stderr.write(`value of ${key} (not shown): `);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === "\r" || ch === "\n") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new CcccError("cancelled", "Cancelled; nothing was changed."));
          return;
        }
        value = ch === "\u007f" ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on("data", onData);
  });
}

function listing(id: string, view: EnvView): string {
  if (view.env.length === 0)
    return `${id} has no variables of its own: add one with "cccc actor env set ${id} KEY=VALUE"`;
  return view.env.map((e) => (e.secret ? `${e.key}=•••• (secret)` : `${e.key}=${e.value ?? ""}`)).join("\n");
}

function applies(id: string, view: EnvView): string {
  return view.restart_needed
    ? `${id} is running with its old environment: "cccc actor restart ${id}" applies the change.`
    : `Applies when ${id} next starts.`;
}

/** `cccc actor env set|unset|list <id>` (docs/runners.md, "Actor environment"). */
export function actorEnvCommands(actor: Command): void {
  const env = actor
    .command("env")
    .description("an actor's own environment variables and secrets (applied at its next start)");

  common(
    env
      .command("set <id> <assignment>")
      .description("set KEY=VALUE; with --secret and only KEY, the value is read from stdin (not echoed)"),
  )
    .option("--secret", "store the value in the 0600 secrets store; it is never shown again")
    .action(
      action(async (cli, id: string, assignment: string) => {
        const secret = Boolean((cli.opts as { secret?: boolean }).secret);
        const [key, value] =
          secret && !assignment.includes("=")
            ? [assignment, await readSecret(assignment)]
            : splitAssignment(assignment, "Variable");
        const view = await cli.client.call(
          "setActorEnv",
          { ...(await cli.gid()), aid: id, key },
          { value, secret },
        );
        const shown = secret ? `${key} (secret, stored 0600)` : `${key}=${value}`;
        cli.print(view, () => `set ${shown} for ${id}. ${applies(id, view)}`);
      }),
    );

  common(env.command("unset <id> <key>").description("remove a variable or secret")).action(
    action(async (cli, id: string, key: string) => {
      const view = await cli.client.call("unsetActorEnv", { ...(await cli.gid()), aid: id, key });
      cli.print(view, () => `removed ${key} from ${id}. ${applies(id, view)}`);
    }),
  );

  common(env.command("list <id>").description("list variables (secret values are never shown)")).action(
    action(async (cli, id: string) => {
      const view = await cli.client.call("actorEnv", { ...(await cli.gid()), aid: id });
      cli.print(view, () => listing(id, view));
    }),
  );
}
