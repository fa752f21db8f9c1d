import { useState } from "react";
import { api } from "../../api/client.ts";
import type { NewActor } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";
import { type EnvRow, EnvRows, splitRows } from "./env-rows.tsx";

type Runtime = NewActor["runtime"];
/** Every runtime of the contract, in menu order (a missing or unknown one is a type error). */
const RUNTIMES = ["claude", "codex", "gemini", "opencode", "custom"] as const satisfies readonly Runtime[];
const ALL_LISTED: Exclude<Runtime, (typeof RUNTIMES)[number]> extends never ? true : never = true;
void ALL_LISTED;

export function AddActorForm({ gid, onAdded }: { gid: string; onAdded: () => void }) {
  const { report } = useErrors();
  const [id, setId] = useState("");
  const [runtime, setRuntime] = useState<Runtime>("claude");
  const [command, setCommand] = useState("");
  const [runner, setRunner] = useState<NewActor["runner"] | "">("");
  const [permissions, setPermissions] = useState<"bypass" | "ask">("bypass");
  const [envRows, setEnvRows] = useState<EnvRow[]>([]);
  const [busy, setBusy] = useState(false);
  const custom = runtime === "custom";

  const submit = async () => {
    setBusy(true);
    try {
      const actor: NewActor = { id: id.trim(), runtime };
      if (runner) actor.runner = runner;
      if (permissions === "ask") actor.permissions = "ask";
      if (command.trim()) actor.command = command.trim();
      const { env, secret_env } = splitRows(envRows);
      if (Object.keys(env).length) actor.env = env;
      if (Object.keys(secret_env).length) actor.secret_env = secret_env;
      await api.addActor(gid, actor);
      setId("");
      setCommand("");
      setEnvRows([]);
      onAdded();
    } catch (error) {
      report(error, "Add actor");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="form add-actor"
      aria-label="Add actor"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Add actor</h3>
      <label className="field">
        <span>Actor id</span>
        <input
          value={id}
          onChange={(e) => setId(e.target.value)}
          placeholder="e.g. reviewer"
          pattern="[A-Za-z0-9][A-Za-z0-9_\-]*"
          title="Letters, digits, - and _"
          required
        />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Runtime</span>
          <select value={runtime} onChange={(e) => setRuntime(e.target.value as Runtime)}>
            {RUNTIMES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Runner</span>
          <select value={runner} onChange={(e) => setRunner(e.target.value as NewActor["runner"] | "")}>
            <option value="">
              default ({runtime === "claude" || runtime === "codex" ? "structured" : "pty"})
            </option>
            <option value="structured">structured</option>
            <option value="pty">pty</option>
            <option value="headless">headless</option>
          </select>
        </label>
      </div>
      <label className="field">
        <span>Permissions</span>
        <select value={permissions} onChange={(e) => setPermissions(e.target.value as "bypass" | "ask")}>
          <option value="bypass">bypass: run tools without asking</option>
          <option value="ask">ask: a person approves (Claude or Codex, structured)</option>
        </select>
      </label>
      <label className="field">
        <span>Command{custom ? "" : " (optional)"}</span>
        <input
          value={command}
          onChange={(e) => setCommand(e.target.value)}
          placeholder={custom ? "e.g. aider --model sonnet" : `default for ${runtime}`}
          required={custom}
        />
      </label>
      <div className="field">
        <span>Environment (optional)</span>
        <EnvRows rows={envRows} onChange={setEnvRows} label="Environment of the new actor" />
        <small className="hint">
          e.g. ANTHROPIC_BASE_URL and a secret ANTHROPIC_API_KEY for an Anthropic-compatible endpoint. Secret
          values are stored 0600 on this machine and never shown again.
        </small>
      </div>
      <button
        type="submit"
        className="button primary"
        disabled={busy || !id.trim() || (custom && !command.trim())}
      >
        Add actor
      </button>
    </form>
  );
}
