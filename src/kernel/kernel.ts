import { readdir } from "node:fs/promises";
import type { GroupConfig } from "./config.js";
import { CcccError, NotFoundError } from "./errors.js";
import { Group } from "./group.js";
import type { Home } from "./home.js";
import { GROUP_ID_PATTERN, newGroupId } from "./ids.js";

export interface GroupSummary {
  group_id: string;
  title: string;
  state: string;
  running: boolean;
  actors: number;
  im: { platform: string; enabled: boolean } | null;
  error?: { code: string; message: string };
}

/** Every group of one CCCC home. Groups whose files are broken are listed with their error. */
export class Kernel {
  private readonly groups = new Map<string, Group>();
  private readonly broken = new Map<string, CcccError>();

  private constructor(readonly home: Home) {}

  static async open(home: Home): Promise<Kernel> {
    const kernel = new Kernel(home);
    const ids = await readdir(home.groupsDir).catch(() => [] as string[]);
    for (const id of ids.filter((d) => GROUP_ID_PATTERN.test(d)).sort()) {
      try {
        kernel.groups.set(id, await Group.open(home, id));
      } catch (err) {
        if (!(err instanceof CcccError)) throw err;
        kernel.broken.set(id, err);
      }
    }
    return kernel;
  }

  async createGroup(input: { title: string; scope?: string }): Promise<Group> {
    const now = new Date().toISOString();
    const config: GroupConfig = {
      v: 1,
      group_id: newGroupId(),
      title: input.title,
      created_at: now,
      updated_at: now,
      running: false,
      state: "active",
      scopes: input.scope ? [{ url: input.scope, label: "" }] : [],
      actors: [],
    };
    const group = await Group.create(this.home, config);
    this.groups.set(group.id, group);
    return group;
  }

  group(groupId: string): Group {
    const group = this.groups.get(groupId);
    if (group) return group;
    const broken = this.broken.get(groupId);
    if (broken) throw broken;
    throw new NotFoundError(
      "group_not_found",
      `No group "${groupId}". List groups with "cccc group list" or create one with "cccc group create --title T".`,
    );
  }

  list(): Group[] {
    return [...this.groups.values()];
  }

  summaries(): GroupSummary[] {
    const ok = this.list().map(summarize);
    const bad = [...this.broken.entries()].map(([id, err]) => ({
      group_id: id,
      title: "",
      state: "broken",
      running: false,
      actors: 0,
      im: null,
      error: { code: err.code, message: err.message },
    }));
    return [...ok, ...bad];
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) await group.ledger.close();
  }
}

export function summarize(group: Group): GroupSummary {
  const c = group.config;
  return {
    group_id: c.group_id,
    title: c.title,
    state: c.state,
    running: c.running,
    actors: c.actors.length,
    im: c.im ? { platform: c.im.platform, enabled: c.im.enabled } : null,
  };
}
