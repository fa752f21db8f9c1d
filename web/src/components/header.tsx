import type { GroupSummary } from "../api/types.ts";
import { GearIcon, PlusIcon } from "./icons.tsx";

export function Header(props: {
  groups: GroupSummary[];
  selected: string | null;
  onSelect: (gid: string) => void;
  onCreate: () => void;
  onSettings: () => void;
}) {
  return (
    <header className="app-header">
      <div className="brand">CCCC</div>
      <label className="group-select">
        <span className="sr-only">Group</span>
        <select
          aria-label="Group"
          value={props.selected ?? ""}
          onChange={(e) => props.onSelect(e.target.value)}
          disabled={props.groups.length === 0}
        >
          {props.groups.length === 0 ? <option value="">No groups yet</option> : null}
          {props.groups.map((g) => (
            <option key={g.group_id} value={g.group_id}>
              {g.title || g.group_id}
              {g.running ? " ●" : ""}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button" onClick={props.onCreate}>
        <PlusIcon /> New group
      </button>
      <div className="spacer" />
      <button
        type="button"
        className="icon-button gear"
        aria-label="Settings"
        title="Settings"
        onClick={props.onSettings}
      >
        <GearIcon />
      </button>
    </header>
  );
}
