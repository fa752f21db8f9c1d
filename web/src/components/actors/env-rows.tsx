/** Rows of KEY / value / secret for an actor's own environment (add-actor form, env dialog). */

export interface EnvRow {
  /** React key: rows have no identity until their name is typed. */
  id: number;
  key: string;
  value: string;
  secret: boolean;
}

export const ENV_NAME = "[A-Za-z_][A-Za-z0-9_]*";

let nextId = 0;
export function emptyRow(): EnvRow {
  nextId += 1;
  return { id: nextId, key: "", value: "", secret: false };
}

/** Split filled rows into plain variables and secrets for the API. */
export function splitRows(rows: EnvRow[]): {
  env: Record<string, string>;
  secret_env: Record<string, string>;
} {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key) continue;
    if (row.secret) secretEnv[key] = row.value;
    else env[key] = row.value;
  }
  return { env, secret_env: secretEnv };
}

/** Editable rows; a secret's input is a password field and is never filled from the daemon. */
export function EnvRows(props: { rows: EnvRow[]; onChange: (rows: EnvRow[]) => void; label: string }) {
  const update = (i: number, patch: Partial<EnvRow>) =>
    props.onChange(props.rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <fieldset className="env-rows" aria-label={props.label}>
      {props.rows.map((row, i) => (
        <div className="env-row" key={row.id}>
          <input
            aria-label="Variable name"
            value={row.key}
            onChange={(e) => update(i, { key: e.target.value })}
            placeholder="ANTHROPIC_BASE_URL"
            pattern={ENV_NAME}
            title="Letters, digits and _, not starting with a digit"
          />
          <input
            aria-label={`Value of ${row.key || "variable"}`}
            type={row.secret ? "password" : "text"}
            autoComplete="off"
            value={row.value}
            onChange={(e) => update(i, { value: e.target.value })}
            placeholder={row.secret ? "secret value (write-only)" : "value"}
          />
          <label className="env-secret">
            <input
              type="checkbox"
              checked={row.secret}
              onChange={(e) => update(i, { secret: e.target.checked })}
            />
            secret
          </label>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove row ${row.key || i + 1}`}
            onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="button small"
        onClick={() => props.onChange([...props.rows, emptyRow()])}
      >
        Add variable
      </button>
    </fieldset>
  );
}
