import { useState } from "react";
import type { ActorInfo, GroupSummary } from "../../api/types.ts";
import { Dialog } from "../dialog.tsx";
import { GroupTab } from "./group-tab.tsx";
import { ImBridgeTab } from "./im-bridge-tab.tsx";

const TABS = [
  { id: "group", label: "Group" },
  { id: "im", label: "IM Bridge" },
] as const;
type TabId = (typeof TABS)[number]["id"];

export function SettingsDialog(props: {
  open: boolean;
  group: GroupSummary | null;
  actors: ActorInfo[];
  onClose: () => void;
}) {
  const [tab, setTab] = useState<TabId>("group");
  const title = props.group ? `Settings — ${props.group.title || props.group.group_id}` : "Settings";
  return (
    <Dialog open={props.open} title={title} onClose={props.onClose} className="settings">
      <div className="tabs" role="tablist" aria-label="Settings sections">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            className={`tab ${tab === t.id ? "active" : ""}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {!props.group ? (
          <p className="muted">Create a group first: settings belong to a group.</p>
        ) : tab === "group" ? (
          <GroupTab group={props.group} actors={props.actors} />
        ) : (
          <ImBridgeTab key={props.group.group_id} gid={props.group.group_id} />
        )}
      </div>
    </Dialog>
  );
}
