import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api/client.ts";
import type { AuthorizedChat, ImState, PendingRequest } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";
import { usePlatforms } from "../../hooks/use-platforms.ts";
import { usePoll } from "../../hooks/use-poll.ts";
import { ImChats } from "./im-chats.tsx";
import { canSave, draftFrom, ImConfigForm, type ImDraft, inputFrom } from "./im-config-form.tsx";
import { ImStateBadge, ImStatusLine } from "./im-status.tsx";

const POLL_MS = 2000;

/** Settings → IM Bridge. Polls `GET /im` (and the chat lists) every 2 s while it is open. */
export function ImBridgeTab({ gid }: { gid: string }) {
  const { report, resolve } = useErrors();
  const [im, setIm] = useState<ImState | null>(null);
  const [pending, setPending] = useState<PendingRequest[]>([]);
  const [chats, setChats] = useState<AuthorizedChat[]>([]);
  const platforms = usePlatforms();
  const [draft, setDraft] = useState<ImDraft>(() => draftFrom(null, platforms));
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const [note, setNote] = useState("");
  // Bumped whenever the form is reset from the daemon's config, so its local UI state restarts too.
  const [formVersion, setFormVersion] = useState(0);
  const loaded = useRef(false);
  // The user started typing before the first load answered: keep their draft.
  const edited = useRef(false);
  const edit = useCallback((next: ImDraft) => {
    edited.current = true;
    setDraft(next);
  }, []);
  const resetDraft = useCallback(
    (config: ImState["config"]) => {
      setDraft(draftFrom(config, platforms));
      setFormVersion((v) => v + 1);
    },
    [platforms],
  );
  // The platform list may arrive after the config: fill the form from it then (unless edited).
  const configRef = useRef<ImState["config"]>(null);
  configRef.current = im?.config ?? null;
  useEffect(() => {
    if (platforms.length > 0 && loaded.current && !edited.current) resetDraft(configRef.current);
  }, [platforms, resetDraft]);

  const refresh = useCallback(async () => {
    try {
      const state = await api.im(gid);
      setIm(state);
      if (!loaded.current) {
        loaded.current = true;
        if (!edited.current) resetDraft(state.config);
      }
      if (state.config) {
        const [p, a] = await Promise.all([api.imPending(gid), api.imAuthorized(gid)]);
        setPending(p.pending);
        setChats(a.chats);
      } else {
        setPending([]);
        setChats([]);
      }
      resolve("IM Bridge");
      setFailed(false);
    } catch (error) {
      setFailed(true);
      report(error, "IM Bridge");
    }
  }, [gid, report, resolve, resetDraft]);

  usePoll(refresh, POLL_MS, gid);

  const run = async (label: string, op: () => Promise<void>) => {
    setBusy(true);
    setNote("");
    try {
      await op();
    } catch (error) {
      report(error, label);
      await refresh();
    } finally {
      setBusy(false);
    }
  };

  const saved = (state: ImState) => {
    setIm(state);
    edited.current = false;
    resetDraft(state.config);
    setNote(
      state.status.state === "error"
        ? "Saved, but the bridge could not start: see the status above."
        : "Saved.",
    );
  };

  /**
   * The daemon may answer a save whose bridge then failed to start with the start error itself.
   * When the status then reports that same error, the config was saved: show it as saved, with the
   * error in the status line (and its troubleshooting steps) rather than in an alert.
   */
  const save = async () => {
    setBusy(true);
    setNote("");
    try {
      saved(await api.saveIm(gid, inputFrom(draft, platforms)));
    } catch (error) {
      const state = await api.im(gid).catch(() => null);
      const code = error instanceof ApiError ? error.code : "";
      if (state && state.status.state === "error" && state.status.last_error?.code === code) saved(state);
      else {
        report(error, "Save Config");
        if (state) setIm(state);
      }
    } finally {
      setBusy(false);
    }
  };

  const startStop = (action: "start" | "stop") =>
    run(action === "start" ? "Start bridge" : "Stop bridge", async () => {
      const { status } = await api.imAction(gid, action);
      setIm((prev) => (prev ? { ...prev, status } : prev));
    });

  const remove = () => {
    if (!window.confirm("Remove the IM configuration and stored credentials of this group?")) return;
    void run("Remove config", async () => {
      await api.removeIm(gid);
      resetDraft(null);
      await refresh();
    });
  };

  const configured = Boolean(im?.config);
  const running = im?.status.running ?? false;

  return (
    <div className="im-tab">
      <ImStatusLine status={im?.status ?? null} config={im?.config ?? null} failed={failed} />
      <ImConfigForm
        key={formVersion}
        draft={draft}
        secrets={im?.secrets ?? null}
        platforms={platforms}
        onChange={edit}
      />
      <div className="actions left">
        <button
          type="button"
          className="button primary"
          disabled={busy || !canSave(draft, im?.secrets ?? null, platforms)}
          onClick={() => void save()}
        >
          Save Config
        </button>
        {configured ? (
          running ? (
            <button type="button" className="button" disabled={busy} onClick={() => void startStop("stop")}>
              Stop Bridge
            </button>
          ) : (
            <button type="button" className="button" disabled={busy} onClick={() => void startStop("start")}>
              Start Bridge
            </button>
          )
        ) : null}
        {configured ? (
          <button type="button" className="button danger" disabled={busy} onClick={remove}>
            Remove Config
          </button>
        ) : null}
        {configured && im ? <ImStateBadge status={im.status} /> : null}
        <span className="note" aria-live="polite">
          {note}
        </span>
      </div>
      {configured ? (
        <ImChats
          gid={gid}
          pending={pending}
          chats={chats}
          subscribeWhere={
            platforms.find((p) => p.id === im?.config?.platform)?.texts.subscribeHint ?? "in a chat"
          }
          onChanged={() => void refresh()}
        />
      ) : null}
    </div>
  );
}
