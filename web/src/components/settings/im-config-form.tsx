import { useState } from "react";
import type {
  ImConfig,
  ImConfigInput,
  ImLanguage,
  ImMode,
  ImSecrets,
  PlatformField,
  PlatformInfo,
} from "../../api/types.ts";

/**
 * What the user typed. The fields come from the platform's descriptor (`GET /im/platforms`): `values`
 * are credential values by credential id, `envs` the names of variables holding them.
 */
export interface ImDraft {
  platform: string;
  values: Record<string, string>;
  envs: Record<string, string>;
  mode: ImMode;
  language: ImLanguage;
  cards: boolean;
  workingCard: boolean;
}

/** The variable name group.yaml holds for an env field (its `configKey`). */
function envFromConfig(config: ImConfig, field: PlatformField): string {
  const value = field.configKey ? config[field.configKey] : undefined;
  return typeof value === "string" ? value : "";
}

export function draftFrom(config: ImConfig | null, platforms: PlatformInfo[]): ImDraft {
  const platform = platforms.find((p) => p.id === config?.platform);
  const envs: Record<string, string> = {};
  if (config && platform) {
    for (const f of platform.fields) if (f.kind === "env") envs[f.credential] = envFromConfig(config, f);
  }
  return {
    platform: platform?.id ?? "",
    values: {},
    envs,
    mode: config?.mode ?? "stream",
    language: config?.language ?? "en",
    cards: config?.cards !== "off",
    workingCard: config?.working === "card",
  };
}

const shown = (field: PlatformField, mode: ImMode) => field.mode === undefined || field.mode === mode;

/** Only what the user typed: empty credential fields keep what the daemon has stored. */
export function inputFrom(draft: ImDraft, platforms: PlatformInfo[]): ImConfigInput {
  const input: ImConfigInput = {
    platform: draft.platform,
    mode: draft.mode,
    language: draft.language,
    cards: draft.cards ? "on" : "off",
    working: draft.workingCard ? "card" : "reaction",
  };
  const fields = platforms.find((p) => p.id === draft.platform)?.fields ?? [];
  for (const f of fields) {
    if (!shown(f, draft.mode)) continue;
    const value = (f.kind === "secret" ? draft.values : draft.envs)[f.credential]?.trim();
    if (value) input[f.kind === "secret" ? f.credential : `${f.credential}_env`] = value;
  }
  return input;
}

/** Every required credential has a typed value, a variable name, or a saved value. */
export function canSave(draft: ImDraft, secrets: ImSecrets | null, platforms: PlatformInfo[]): boolean {
  const platform = platforms.find((p) => p.id === draft.platform);
  if (!platform) return false;
  return platform.fields
    .filter((f) => f.kind === "secret" && !f.optional && f.mode === undefined)
    .every((f) =>
      Boolean(
        draft.values[f.credential]?.trim() || draft.envs[f.credential]?.trim() || secrets?.[f.credential],
      ),
    );
}

export function ImConfigForm(props: {
  draft: ImDraft;
  secrets: ImSecrets | null;
  platforms: PlatformInfo[];
  onChange: (draft: ImDraft) => void;
}) {
  const { draft, secrets, platforms } = props;
  const [showEnv, setShowEnv] = useState(Object.values(draft.envs).some(Boolean));
  const update = (patch: Partial<ImDraft>) => props.onChange({ ...draft, ...patch });
  const platform = platforms.find((p) => p.id === draft.platform);
  const secretField = (f: PlatformField) => (
    <SecretField
      key={`secret-${f.credential}`}
      label={f.label}
      optional={f.optional}
      saved={secrets?.[f.credential]}
      value={draft.values[f.credential] ?? ""}
      placeholder={f.placeholder}
      type={f.input}
      autoComplete={f.autoComplete ?? "off"}
      hint={f.hint}
      onChange={(v) => update({ values: { ...draft.values, [f.credential]: v } })}
    />
  );
  const secretFields = platform?.fields.filter((f) => f.kind === "secret") ?? [];
  const envFields = platform?.fields.filter((f) => f.kind === "env") ?? [];

  return (
    <div className="form im-form">
      <label className="field">
        <span>Platform</span>
        <select value={draft.platform} onChange={(e) => update({ platform: e.target.value })}>
          <option value="">Select a platform…</option>
          {platforms.map((p) => (
            <option key={p.id} value={p.id}>
              {p.optionLabel}
            </option>
          ))}
        </select>
      </label>
      {platform ? (
        <>
          {secretFields.filter((f) => f.mode === undefined).map(secretField)}
          <fieldset className="field mode">
            <legend>Message receiving mode</legend>
            <label className="radio">
              <input
                type="radio"
                name="im-mode"
                value="stream"
                checked={draft.mode === "stream"}
                onChange={() => update({ mode: "stream" })}
              />
              Stream (recommended) <small className="muted">— no public URL needed</small>
            </label>
            <label className="radio">
              <input
                type="radio"
                name="im-mode"
                value="http"
                checked={draft.mode === "http"}
                onChange={() => update({ mode: "http" })}
              />
              HTTP <small className="muted">— {platform.texts.httpMode}</small>
            </label>
            <small className="hint">{platform.texts.modeHint}</small>
          </fieldset>
          <label className="field">
            <span>Bot language</span>
            <select
              value={draft.language}
              onChange={(e) => update({ language: e.target.value as ImLanguage })}
            >
              <option value="en">English</option>
              <option value="zh">简体中文</option>
            </select>
            <small className="hint">{platform.texts.languageHint}</small>
          </label>
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={draft.cards}
              onChange={(e) => update({ cards: e.target.checked })}
            />
            <span>Live reply cards</span>
            <small className="hint">{platform.texts.cardsHint}</small>
          </label>
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={draft.workingCard}
              onChange={(e) => update({ workingCard: e.target.checked })}
            />
            <span>"Working" card for terminal agents</span>
            <small className="hint">{platform.texts.workingHint}</small>
          </label>
          {secretFields.filter((f) => f.mode !== undefined && f.mode === draft.mode).map(secretField)}
          {envFields.length > 0 ? (
            <details open={showEnv} onToggle={(e) => setShowEnv(e.currentTarget.open)}>
              <summary>Read credentials from environment variables instead</summary>
              <p className="hint">
                Names of variables set where the daemon runs, as <code>{platform.texts.envCommand}</code>{" "}
                {platform.texts.envIntro}
              </p>
              <div className="field-row">
                {envFields.map((f) => (
                  <EnvField
                    key={`env-${f.credential}`}
                    label={f.label}
                    value={draft.envs[f.credential] ?? ""}
                    placeholder={f.placeholder}
                    onChange={(v) => update({ envs: { ...draft.envs, [f.credential]: v } })}
                  />
                ))}
              </div>
            </details>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function SecretField(props: {
  label: string;
  value: string;
  saved?: boolean;
  optional?: boolean;
  placeholder: string;
  type?: "text" | "password";
  autoComplete: string;
  hint?: string;
  onChange: (value: string) => void;
}) {
  return (
    <label className="field">
      <span className="label-line">
        <span className="label-text">{props.label}</span>
        {props.optional ? <span className="muted"> (optional)</span> : null}
        {props.saved ? <span className="badge ok">saved</span> : null}
      </span>
      <input
        type={props.type ?? "text"}
        aria-label={props.label}
        value={props.value}
        placeholder={props.saved ? "Saved — leave empty to keep it" : props.placeholder}
        autoComplete={props.autoComplete}
        spellCheck={false}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint ? <small className="hint">{props.hint}</small> : null}
    </label>
  );
}

function EnvField(props: {
  label: string;
  value: string;
  placeholder: string;
  onChange: (v: string) => void;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        value={props.value}
        placeholder={props.placeholder}
        spellCheck={false}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
