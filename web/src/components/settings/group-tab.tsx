import type { ActorInfo, GroupSummary } from "../../api/types.ts";

export function GroupTab({ group, actors }: { group: GroupSummary; actors: ActorInfo[] }) {
  const foreman = actors.find((a) => a.role === "foreman");
  return (
    <dl className="facts">
      <dt>Title</dt>
      <dd>{group.title}</dd>
      <dt>Group id</dt>
      <dd>
        <code>{group.group_id}</code>
      </dd>
      <dt>State</dt>
      <dd>
        {group.state} {group.running ? "(running)" : "(stopped)"}
      </dd>
      <dt>Actors</dt>
      <dd>
        {actors.length}
        {foreman ? ` · foreman: ${foreman.id}` : ""}
      </dd>
      <dt>IM bridge</dt>
      <dd>
        {group.im
          ? `${group.im.platform}${group.im.enabled ? " (enabled)" : " (disabled)"}`
          : "not configured"}
      </dd>
      <dt>CLI</dt>
      <dd>
        <code>cccc group use {group.group_id}</code>
      </dd>
    </dl>
  );
}
