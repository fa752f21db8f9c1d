import { useState } from "react";
import { api } from "../../api/client.ts";
import type { AuthorizedChat, PendingRequest } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";

/** "abcd...xyz": enough to match the key the bot showed in the chat. */
function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 4)}...${key.slice(-3)}` : key;
}

function expiresIn(at: string): string {
  const seconds = Math.round((new Date(at).getTime() - Date.now()) / 1000);
  if (Number.isNaN(seconds)) return "";
  if (seconds <= 0) return "expired";
  return seconds >= 120 ? `expires in ${Math.round(seconds / 60)} min` : `expires in ${seconds}s`;
}

function chatName(chat: { chat_title?: string; chat_id: string }): string {
  return chat.chat_title || chat.chat_id;
}

export function ImChats(props: {
  gid: string;
  pending: PendingRequest[];
  chats: AuthorizedChat[];
  onChanged: () => void;
  /** Where to send /subscribe, in the platform's words ("in a … chat"). */
  subscribeWhere: string;
}) {
  const { subscribeWhere } = props;
  const { report } = useErrors();
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);

  const run = async (label: string, op: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await op();
      return true;
    } catch (error) {
      report(error, label);
      return false;
    } finally {
      setBusy(false);
      props.onChanged();
    }
  };

  return (
    <>
      <section className="im-section" aria-label="Pending requests">
        <h3>Pending requests</h3>
        <p className="hint">
          Send <code>/subscribe</code> to the bot {subscribeWhere} (in a group, @mention it first). The bot
          answers with a one-time key; the request shows up here to approve.
        </p>
        {props.pending.length === 0 ? (
          <p className="muted">No pending requests.</p>
        ) : (
          <ul className="rows">
            {props.pending.map((p) => (
              <li key={p.key} className="row">
                <div className="row-main">
                  <strong>{chatName(p)}</strong>{" "}
                  <span className="badge">{p.chat_type === "group" ? "group chat" : "direct"}</span>
                  <div className="muted small">
                    {p.user_name ? `${p.user_name} · ` : ""}key <code>{maskKey(p.key)}</code> ·{" "}
                    {expiresIn(p.expires_at)}
                  </div>
                </div>
                <button
                  type="button"
                  className="button small primary"
                  disabled={busy}
                  aria-label={`Approve ${chatName(p)}`}
                  onClick={() => void run("Approve", () => api.imBind(props.gid, p.key))}
                >
                  Approve
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          className="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run("Bind", () => api.imBind(props.gid, key.trim()))) setKey("");
          }}
        >
          <input
            aria-label="Authorization key"
            placeholder="Paste a key from the bot's reply"
            value={key}
            spellCheck={false}
            onChange={(e) => setKey(e.target.value)}
          />
          <button type="submit" className="button small" disabled={busy || !key.trim()}>
            Bind
          </button>
        </form>
      </section>

      <section className="im-section" aria-label="Authorized chats">
        <h3>Authorized chats</h3>
        {props.chats.length === 0 ? (
          <p className="muted">No chats authorized yet.</p>
        ) : (
          <ul className="rows">
            {props.chats.map((chat) => (
              <li key={chat.chat_id} className="row">
                <div className="row-main">
                  <strong>{chatName(chat)}</strong>{" "}
                  <span className="badge">{chat.chat_type === "group" ? "group chat" : "direct"}</span>{" "}
                  {chat.subscribed ? (
                    <span className="badge ok">subscribed</span>
                  ) : (
                    <span className="badge">not subscribed</span>
                  )}{" "}
                  {chat.paused ? <span className="badge warn">paused</span> : null}{" "}
                  {chat.verbose ? <span className="badge">verbose</span> : null}
                  {chat.chat_title ? <div className="muted small">{chat.chat_id}</div> : null}
                </div>
                <button
                  type="button"
                  className="button small danger"
                  disabled={busy}
                  aria-label={`Revoke ${chatName(chat)}`}
                  onClick={() => {
                    if (window.confirm(`Revoke ${chatName(chat)}? It will stop receiving messages.`))
                      void run("Revoke", () => api.imRevoke(props.gid, chat.chat_id));
                  }}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
