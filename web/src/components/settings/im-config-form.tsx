import { useState } from "react";
import type { ImConfig, ImConfigInput, ImLanguage, ImMode, ImSecrets } from "../../api/types.ts";

export interface ImDraft {
  platform: "" | "dingtalk";
  appKey: string;
  appSecret: string;
  robotCode: string;
  appKeyEnv: string;
  appSecretEnv: string;
  robotCodeEnv: string;
  httpToken: string;
  httpAesKey: string;
  mode: ImMode;
  language: ImLanguage;
  cards: boolean;
  workingCard: boolean;
}

export function draftFrom(config: ImConfig | null): ImDraft {
  return {
    platform: config?.platform === "dingtalk" ? "dingtalk" : "",
    appKey: "",
    appSecret: "",
    robotCode: "",
    appKeyEnv: config?.dingtalk_app_key_env ?? "",
    appSecretEnv: config?.dingtalk_app_secret_env ?? "",
    robotCodeEnv: config?.dingtalk_robot_code_env ?? "",
    httpToken: "",
    httpAesKey: "",
    mode: config?.mode ?? "stream",
    language: config?.language ?? "en",
    cards: config?.cards !== "off",
    workingCard: config?.working === "card",
  };
}

/** Only what the user typed: empty credential fields keep what the daemon has stored. */
export function inputFrom(draft: ImDraft): ImConfigInput {
  const input: ImConfigInput = {
    platform: "dingtalk",
    mode: draft.mode,
    language: draft.language,
    cards: draft.cards ? "on" : "off",
    working: draft.workingCard ? "card" : "reaction",
  };
  const set = (key: keyof ImConfigInput, value: string) => {
    if (value.trim()) (input as unknown as Record<string, string>)[key] = value.trim();
  };
  set("app_key", draft.appKey);
  set("app_secret", draft.appSecret);
  set("robot_code", draft.robotCode);
  set("app_key_env", draft.appKeyEnv);
  set("app_secret_env", draft.appSecretEnv);
  set("robot_code_env", draft.robotCodeEnv);
  if (draft.mode === "http") {
    set("http_token", draft.httpToken);
    set("http_aes_key", draft.httpAesKey);
  }
  return input;
}

export function canSave(draft: ImDraft, secrets: ImSecrets | null): boolean {
  if (draft.platform !== "dingtalk") return false;
  const key = draft.appKey.trim() || draft.appKeyEnv.trim() || secrets?.app_key;
  const secret = draft.appSecret.trim() || draft.appSecretEnv.trim() || secrets?.app_secret;
  return Boolean(key && secret);
}

export function ImConfigForm(props: {
  draft: ImDraft;
  secrets: ImSecrets | null;
  onChange: (draft: ImDraft) => void;
}) {
  const { draft, secrets } = props;
  const [showEnv, setShowEnv] = useState(
    Boolean(draft.appKeyEnv || draft.appSecretEnv || draft.robotCodeEnv),
  );
  const update = (patch: Partial<ImDraft>) => props.onChange({ ...draft, ...patch });

  return (
    <div className="form im-form">
      <label className="field">
        <span>Platform</span>
        <select
          value={draft.platform}
          onChange={(e) => update({ platform: e.target.value as ImDraft["platform"] })}
        >
          <option value="">Select a platform…</option>
          <option value="dingtalk">DingTalk (钉钉)</option>
        </select>
      </label>
      {draft.platform === "dingtalk" ? (
        <>
          <SecretField
            label="App Key"
            saved={secrets?.app_key}
            value={draft.appKey}
            placeholder="Your DingTalk AppKey"
            autoComplete="off"
            onChange={(appKey) => update({ appKey })}
          />
          <SecretField
            label="App Secret"
            saved={secrets?.app_secret}
            value={draft.appSecret}
            placeholder="Your DingTalk AppSecret"
            type="password"
            autoComplete="new-password"
            hint="Keep your AppSecret confidential. It is stored on this machine only and never shown again."
            onChange={(appSecret) => update({ appSecret })}
          />
          <SecretField
            label="Robot Code"
            optional
            saved={secrets?.robot_code}
            value={draft.robotCode}
            placeholder="RobotCode from your Robot settings"
            autoComplete="off"
            hint="Optional: copy RobotCode if shown in your Robot settings. CCCC can sometimes learn it after the first inbound message, but configuring it upfront is more reliable for attachments."
            onChange={(robotCode) => update({ robotCode })}
          />
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
              HTTP <small className="muted">— DingTalk calls a public URL that reaches this daemon</small>
            </label>
            <small className="hint">
              Choose the same mode in DingTalk: your app → Application Capabilities → Robot.
            </small>
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
            <small className="hint">The language of the robot's replies in DingTalk chats.</small>
          </label>
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={draft.cards}
              onChange={(e) => update({ cards: e.target.checked })}
            />
            <span>Live reply cards</span>
            <small className="hint">
              Streamed replies appear in an AI card that fills in live. Needs the app permissions
              Card.Instance.Write and Card.Streaming.Write; without them replies come as messages.
            </small>
          </label>
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={draft.workingCard}
              onChange={(e) => update({ workingCard: e.target.checked })}
            />
            <span>"Working" card for terminal agents</span>
            <small className="hint">
              Instead of the 🤔 reaction, a small card that says when the answer came.
            </small>
          </label>
          {draft.mode === "http" ? (
            <>
              <SecretField
                label="Token"
                saved={secrets?.http_token}
                value={draft.httpToken}
                placeholder="The Token you enter in DingTalk for HTTP mode"
                type="password"
                autoComplete="off"
                onChange={(httpToken) => update({ httpToken })}
              />
              <SecretField
                label="AES Key"
                saved={secrets?.http_aes_key}
                value={draft.httpAesKey}
                placeholder="The AES Key you enter in DingTalk for HTTP mode"
                type="password"
                autoComplete="off"
                hint="In DingTalk, the message receiving URL must be a public URL that reaches this daemon; Stream mode needs none."
                onChange={(httpAesKey) => update({ httpAesKey })}
              />
            </>
          ) : null}
          <details open={showEnv} onToggle={(e) => setShowEnv(e.currentTarget.open)}>
            <summary>Read credentials from environment variables instead</summary>
            <p className="hint">
              Names of variables set where the daemon runs, as{" "}
              <code>cccc im set dingtalk --app-key-env …</code> writes them to group.yaml. A variable set in
              the daemon's environment wins over a value saved here (DINGTALK_APP_KEY, DINGTALK_APP_SECRET and
              DINGTALK_ROBOT_CODE are read when no name is given).
            </p>
            <div className="field-row">
              <EnvField
                label="App Key env"
                value={draft.appKeyEnv}
                placeholder="DINGTALK_APP_KEY"
                onChange={(appKeyEnv) => update({ appKeyEnv })}
              />
              <EnvField
                label="App Secret env"
                value={draft.appSecretEnv}
                placeholder="DINGTALK_APP_SECRET"
                onChange={(appSecretEnv) => update({ appSecretEnv })}
              />
              <EnvField
                label="Robot Code env"
                value={draft.robotCodeEnv}
                placeholder="DINGTALK_ROBOT_CODE"
                onChange={(robotCodeEnv) => update({ robotCodeEnv })}
              />
            </div>
          </details>
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
