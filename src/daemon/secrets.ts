import { chmod, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "../kernel/errors.js";
import { readFileIfExists, writeFileAtomic } from "../kernel/fs-util.js";
import type { Home } from "../kernel/home.js";

/** One group's file: IM credential values at the top level, per-actor secret env under `actors`. */
interface SecretsFile {
  [key: string]: unknown;
  actors?: Record<string, Record<string, string>>;
}

/** Read-modify-write of one file at a time, across every SecretsStore of the process. */
const chains = new Map<string, Promise<unknown>>();
function exclusive<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const run = (chains.get(file) ?? Promise.resolve()).then(fn, fn);
  const tail = run.catch(() => undefined);
  chains.set(file, tail);
  void tail.then(() => {
    if (chains.get(file) === tail) chains.delete(file);
  });
  return run;
}

function strings(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    ),
  );
}

/**
 * Credential values entered in the Web UI or captured by `cccc im set`, and actors' secret
 * environment variables (`cccc actor env set … --secret`): one 0600 JSON file per group under
 * `secrets/` (a 0700 directory). Never logged, never returned by the API.
 */
export class SecretsStore {
  constructor(private readonly home: Home) {}

  private async load(groupId: string): Promise<SecretsFile> {
    const file = this.home.secretsFile(groupId);
    const text = await readFileIfExists(file);
    if (text === undefined) return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as SecretsFile;
    } catch {
      // reported below
    }
    throw new ConfigError(`${file} is not valid JSON. Fix it, or delete it and save the credentials again.`);
  }

  private async save(groupId: string, data: SecretsFile): Promise<void> {
    const file = this.home.secretsFile(groupId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await chmod(dirname(file), 0o700);
    await writeFileAtomic(file, JSON.stringify(data, null, 2), 0o600);
  }

  private change(groupId: string, mutate: (data: SecretsFile) => void): Promise<SecretsFile> {
    return exclusive(this.home.secretsFile(groupId), async () => {
      const data = await this.load(groupId);
      mutate(data);
      await this.save(groupId, data);
      return data;
    });
  }

  /** The IM credential values (top-level string keys). */
  async read(groupId: string): Promise<Record<string, string>> {
    return strings(await this.load(groupId));
  }

  /** Merge IM credential values in (undefined or empty values are left as they were). */
  async update(groupId: string, values: Record<string, string | undefined>): Promise<Record<string, string>> {
    const data = await this.change(groupId, (d) => {
      for (const [key, value] of Object.entries(values)) if (value && key !== "actors") d[key] = value;
    });
    return strings(data);
  }

  /** Forget the IM credentials (actors' secrets stay). */
  async remove(groupId: string): Promise<void> {
    await exclusive(this.home.secretsFile(groupId), async () => {
      const data = await this.load(groupId);
      const actors = data.actors && Object.keys(data.actors).length > 0 ? data.actors : undefined;
      if (actors) await this.save(groupId, { actors });
      else await rm(this.home.secretsFile(groupId), { force: true });
    });
  }

  /** An actor's secret environment variables. */
  async actorSecrets(groupId: string, actorId: string): Promise<Record<string, string>> {
    return strings((await this.load(groupId)).actors?.[actorId]);
  }

  /** Set (value) or delete (undefined) one secret variable of an actor. */
  async setActorSecret(
    groupId: string,
    actorId: string,
    key: string,
    value: string | undefined,
  ): Promise<void> {
    await this.change(groupId, (d) => {
      const actors = { ...(d.actors ?? {}) };
      const vars = { ...strings(actors[actorId]) };
      if (value === undefined) delete vars[key];
      else vars[key] = value;
      if (Object.keys(vars).length > 0) actors[actorId] = vars;
      else delete actors[actorId];
      d.actors = actors;
    });
  }

  async removeActor(groupId: string, actorId: string): Promise<void> {
    if (!(await this.load(groupId)).actors?.[actorId]) return;
    await this.change(groupId, (d) => {
      if (d.actors) delete d.actors[actorId];
    });
  }

  /** Every value stored for a group (IM credentials and all actors' secrets). */
  async values(groupId: string): Promise<string[]> {
    const data = await this.load(groupId);
    const actors = Object.values(data.actors ?? {}).flatMap((vars) => Object.values(strings(vars)));
    return [...Object.values(strings(data)), ...actors];
  }
}
