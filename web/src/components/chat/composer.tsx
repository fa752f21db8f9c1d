import { useRef, useState } from "react";
import { api } from "../../api/client.ts";
import type { ActorInfo, Attachment } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";
import { PaperclipIcon } from "../icons.tsx";
import { sizeText } from "./format.ts";

const GROUP_TOKENS = [
  { value: "@foreman", label: "@foreman" },
  { value: "@all", label: "@all" },
  { value: "@peers", label: "@peers" },
];

/** Enter sends, Shift+Enter is a new line; Enter while an IME (拼音…) is composing does nothing. */
export function Composer({ gid, actors }: { gid: string; actors: ActorInfo[] }) {
  const { report } = useErrors();
  const [to, setTo] = useState("@foreman");
  const [text, setText] = useState("");
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = async () => {
    if (busy || (!text.trim() && attachments.length === 0)) return;
    setBusy(true);
    try {
      await api.send(gid, text, [to], attachments);
      setText("");
      setAttachments([]);
    } catch (error) {
      report(error, "Send");
    } finally {
      setBusy(false);
    }
  };

  const upload = async (files: FileList | null) => {
    if (!files) return;
    setBusy(true);
    try {
      for (const file of Array.from(files)) {
        const { attachment } = await api.uploadBlob(gid, file);
        setAttachments((list) => [...list, attachment]);
      }
    } catch (error) {
      report(error, "Upload");
    } finally {
      setBusy(false);
      if (fileInput.current) fileInput.current.value = "";
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {attachments.length > 0 ? (
        <ul className="pending-files" aria-label="Attachments to send">
          {attachments.map((file, i) => (
            <li key={file.sha256 + file.name}>
              📎 {file.name} <small className="muted">{sizeText(file.bytes)}</small>
              <button
                type="button"
                className="icon-button small"
                aria-label={`Remove ${file.name}`}
                onClick={() => setAttachments((list) => list.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="composer-row">
        <select aria-label="Recipient" value={to} onChange={(e) => setTo(e.target.value)}>
          {GROUP_TOKENS.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
          {actors.map((actor) => (
            <option key={actor.id} value={actor.id}>
              {actor.id}
              {actor.role === "foreman" ? " (foreman)" : ""}
            </option>
          ))}
        </select>
        <textarea
          aria-label="Message"
          value={text}
          rows={Math.min(8, Math.max(2, text.split("\n").length))}
          placeholder="Message the group… (Enter to send, Shift+Enter for a new line)"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <input ref={fileInput} type="file" multiple hidden onChange={(e) => void upload(e.target.files)} />
        <button
          type="button"
          className="icon-button"
          aria-label="Attach files"
          title="Attach files"
          onClick={() => fileInput.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          Send
        </button>
      </div>
    </form>
  );
}
