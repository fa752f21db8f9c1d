import { useState } from "react";
import { api } from "../api/client.ts";
import type { GroupSummary } from "../api/types.ts";
import { useErrors } from "../hooks/errors.tsx";
import { Dialog } from "./dialog.tsx";

export function CreateGroupDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreated: (group: GroupSummary) => void;
}) {
  const { report } = useErrors();
  const [title, setTitle] = useState("");
  const [scope, setScope] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    try {
      const { group } = await api.createGroup(title.trim(), scope.trim() || undefined);
      setTitle("");
      setScope("");
      props.onCreated(group);
    } catch (error) {
      report(error, "Create group");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title="New group" onClose={props.onClose} className="narrow">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span>Title</span>
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="e.g. 支付服务重构"
            required
            data-autofocus
          />
        </label>
        <label className="field">
          <span>Project directory (optional)</span>
          <input value={scope} onChange={(e) => setScope(e.target.value)} placeholder="/path/to/repo" />
          <small className="hint">Agents start in this directory.</small>
        </label>
        <div className="actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy || !title.trim()}>
            Create group
          </button>
        </div>
      </form>
    </Dialog>
  );
}
