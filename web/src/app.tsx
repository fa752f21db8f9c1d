import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api/client.ts";
import type { ActorInfo, GroupSummary, LedgerEvent } from "./api/types.ts";
import { ActorsPanel } from "./components/actors/actors-panel.tsx";
import { AlertRegion } from "./components/alert-region.tsx";
import { ApprovalsInbox } from "./components/approvals/approvals-inbox.tsx";
import { Composer } from "./components/chat/composer.tsx";
import { Timeline } from "./components/chat/timeline.tsx";
import { CreateGroupDialog } from "./components/create-group-dialog.tsx";
import { Header } from "./components/header.tsx";
import { SettingsDialog } from "./components/settings/settings-dialog.tsx";
import { APPROVALS_VIEW, ViewTabs } from "./components/view-tabs.tsx";
import { useErrors } from "./hooks/errors.tsx";
import { useApprovals } from "./hooks/use-approvals.ts";
import { useLedger } from "./hooks/use-ledger.ts";
import { platformLabels, usePlatforms } from "./hooks/use-platforms.ts";
import { usePoll } from "./hooks/use-poll.ts";

const SELECTED_KEY = "cccc.group";

// xterm.js is most of the bundle; load it when a terminal is first opened.
const TerminalView = lazy(() =>
  import("./components/terminal/terminal-view.tsx").then((m) => ({ default: m.TerminalView })),
);

function initialGroup(): string | null {
  const fromUrl = new URLSearchParams(window.location.search).get("group");
  return fromUrl || window.localStorage.getItem(SELECTED_KEY);
}

export function App() {
  const { report, resolve } = useErrors();
  const [groups, setGroups] = useState<GroupSummary[] | null>(null);
  const chatApps = platformLabels(usePlatforms());
  const [selected, setSelected] = useState<string | null>(initialGroup);
  const [group, setGroup] = useState<GroupSummary | null>(null);
  const [actors, setActors] = useState<ActorInfo[]>([]);
  const [dialog, setDialog] = useState<"settings" | "create" | null>(null);
  // The actor whose terminal is shown instead of the chat, if any.
  const [view, setView] = useState<string | null>(null);

  const loadGroups = useCallback(async () => {
    try {
      setGroups((await api.groups()).groups);
      resolve("Groups");
    } catch (error) {
      report(error, "Groups");
    }
  }, [report, resolve]);

  // The selection once it is known to exist (a remembered group may have been removed).
  const active = groups?.some((g) => g.group_id === selected) ? selected : null;

  const loadGroup = useCallback(async () => {
    if (!active) return;
    try {
      const detail = await api.group(active);
      setGroup(detail.group);
      setActors(detail.actors);
      resolve("Group");
    } catch (error) {
      report(error, "Group");
    }
  }, [active, report, resolve]);

  usePoll(loadGroups, 10_000, "groups");
  usePoll(loadGroup, 3_000, active ?? "", Boolean(active));

  // Keep the selection valid: fall back to the first group when the stored one is gone.
  useEffect(() => {
    if (!groups) return;
    if (groups.length === 0) setSelected(null);
    else if (!selected || !groups.some((g) => g.group_id === selected))
      setSelected(groups[0]?.group_id ?? null);
  }, [groups, selected]);

  useEffect(() => {
    setGroup(null);
    setActors([]);
    setView(null);
    if (selected) window.localStorage.setItem(SELECTED_KEY, selected);
  }, [selected]);

  const onApprovalsError = useCallback((error: unknown) => report(error, "Approvals"), [report]);
  const approvals = useApprovals(active, onApprovalsError);
  const onApprovalEvent = approvals.onEvent;

  // Actor state and unread counts change with these events; refresh soon, at most every 300 ms.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback(
    (event: LedgerEvent) => {
      onApprovalEvent(event);
      if (!/^(actor\.|group\.|chat\.)/.test(event.kind)) return;
      if (refreshTimer.current) return;
      refreshTimer.current = setTimeout(() => {
        refreshTimer.current = undefined;
        void loadGroup();
      }, 300);
    },
    [loadGroup, onApprovalEvent],
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  const onLedgerError = useCallback((error: unknown) => report(error, "Messages"), [report]);
  const onLedgerRecover = useCallback(() => resolve("Messages"), [resolve]);
  const { events, state, streams } = useLedger(active, onLedgerError, onEvent, onLedgerRecover);
  const viewed = actors.find((a) => a.id === view);
  const inbox = view === APPROVALS_VIEW;

  return (
    <div className="app">
      <Header
        groups={groups ?? []}
        selected={selected}
        onSelect={setSelected}
        onCreate={() => setDialog("create")}
        onSettings={() => setDialog("settings")}
      />
      <AlertRegion />
      {active ? (
        <main className="layout">
          <div className="workspace">
            <ViewTabs
              actors={actors}
              view={inbox ? APPROVALS_VIEW : (viewed?.id ?? null)}
              onSelect={setView}
              approvals={approvals.pending.length}
            />
            {/* Chat stays mounted behind a terminal so a draft and the scroll position survive. */}
            <section className="chat" aria-label="Chat" hidden={viewed !== undefined || inbox}>
              <Timeline
                gid={active}
                title={group?.title ?? groups?.find((g) => g.group_id === active)?.title ?? ""}
                events={events}
                state={state}
                streams={streams}
              />
              <Composer gid={active} actors={actors} />
            </section>
            {inbox ? (
              <ApprovalsInbox
                gid={active}
                pending={approvals.pending}
                history={approvals.history}
                onChanged={() => void approvals.reload()}
                onError={onApprovalsError}
              />
            ) : null}
            {viewed ? (
              <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
                <TerminalView key={`${active}/${viewed.id}`} gid={active} actor={viewed} />
              </Suspense>
            ) : null}
          </div>
          {group ? (
            <ActorsPanel
              group={group}
              actors={actors}
              onChanged={() => void loadGroup()}
              onTerminal={setView}
            />
          ) : null}
        </main>
      ) : (
        <main className="welcome">
          {groups === null || groups.length > 0 ? (
            <p className="muted">{groups === null ? "Connecting to the daemon…" : ""}</p>
          ) : (
            <div className="welcome-card">
              <h1>Welcome to CCCC</h1>
              <p>
                A working group is a foreman and its peers — coding agents you talk to here
                {chatApps ? ` or from ${chatApps}` : ""}.
              </p>
              <button type="button" className="button primary" onClick={() => setDialog("create")}>
                Create your first group
              </button>
            </div>
          )}
        </main>
      )}
      <SettingsDialog
        open={dialog === "settings"}
        group={group}
        actors={actors}
        onClose={() => setDialog(null)}
      />
      <CreateGroupDialog
        open={dialog === "create"}
        onClose={() => setDialog(null)}
        onCreated={(created) => {
          setDialog(null);
          setGroups((list) => [...(list ?? []).filter((g) => g.group_id !== created.group_id), created]);
          setSelected(created.group_id);
        }}
      />
    </div>
  );
}
