import { chmod, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "../kernel/errors.js";
import { readFileIfExists, writeFileAtomic } from "../kernel/fs-util.js";
import type { Home } from "../kernel/home.js";

/**
 * Credential values entered in the Web UI or captured by `cccc im set`, one 0600 JSON file per
 * group under `secrets/` (a 0700 directory). Never logged, never returned by the API.
 */
export class SecretsStore {
  constructor(private readonly home: Home) {}

  async read(groupId: string): Promise<Record<string, string>> {
    const file = this.home.secretsFile(groupId);
    const text = await readFileIfExists(file);
    if (text === undefined) return {};
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new ConfigError(
        `${file} is not valid JSON. Fix it, or delete it and save the credentials again.`,
      );
    }
  }

  /** Merge values in (undefined or empty values are left as they were). */
  async update(groupId: string, values: Record<string, string | undefined>): Promise<Record<string, string>> {
    const current = await this.read(groupId);
    for (const [key, value] of Object.entries(values)) if (value) current[key] = value;
    const file = this.home.secretsFile(groupId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await chmod(dirname(file), 0o700);
    await writeFileAtomic(file, JSON.stringify(current, null, 2), 0o600);
    return current;
  }

  async remove(groupId: string): Promise<void> {
    await rm(this.home.secretsFile(groupId), { force: true });
  }
}
