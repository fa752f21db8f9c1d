import { PLATFORMS } from "../im/platforms.js";
import type { ActorConfig } from "../kernel/config.js";
import { NotFoundError, ValidationError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { Home } from "../kernel/home.js";
import type { Kernel } from "../kernel/kernel.js";
import type { Withheld } from "../runners/actor-env.js";
import type { Env } from "../runners/process-group.js";
import { SecretsStore } from "./secrets.js";

/** One of an actor's own variables as the API shows it: a secret's value never leaves the daemon. */
export interface ActorEnvEntry {
  key: string;
  secret: boolean;
  value?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE = 32 * 1024;

export function validateEnvEntry(key: string, value: string, secret: boolean): void {
  if (!ENV_NAME.test(key)) {
    throw new ValidationError(
      "invalid_env_name",
      `"${key}" is not an environment variable name: use letters, digits and _, not starting with a digit (e.g. ANTHROPIC_BASE_URL).`,
    );
  }
  if (key.startsWith("CCCC_")) {
    throw new ValidationError(
      "reserved_env_name",
      `${key}: CCCC_* variables are set by CCCC itself for every actor and cannot be set per actor.`,
    );
  }
  if (value.includes("\0") || value.length > MAX_VALUE) {
    throw new ValidationError(
      "invalid_env_value",
      `The value of ${key} must be text without NUL characters and at most 32 KB.`,
    );
  }
  if (secret && value === "") {
    throw new ValidationError("invalid_env_value", `A secret needs a value: give ${key}=VALUE.`);
  }
}

/**
 * Per-actor environment (plain variables in group.yaml under the actor, secrets in the 0600 store)
 * and what is withheld from every actor: the credentials CCCC knows of (docs/runners.md).
 */
export class ActorEnvService {
  readonly secrets: SecretsStore;

  constructor(
    private readonly kernel: Kernel,
    home: Home,
  ) {
    this.secrets = new SecretsStore(home);
  }

  async list(group: Group, actorId: string): Promise<ActorEnvEntry[]> {
    const actor = group.actor(actorId);
    const secret = await this.secrets.actorSecrets(group.id, actorId);
    const entries: ActorEnvEntry[] = [
      ...Object.entries(actor.env).map(([key, value]) => ({ key, secret: false, value })),
      ...Object.keys(secret).map((key) => ({ key, secret: true })),
    ];
    return entries.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Set one variable; a key is either plain or secret, so the other kind of the same key is removed. */
  async set(group: Group, actorId: string, key: string, value: string, secret: boolean): Promise<void> {
    group.actor(actorId);
    validateEnvEntry(key, value, secret);
    if (secret) {
      await this.secrets.setActorSecret(group.id, actorId, key, value);
      if (key in group.actor(actorId).env) await this.setPlain(group, actorId, key, undefined);
    } else {
      await this.setPlain(group, actorId, key, value);
      await this.secrets.setActorSecret(group.id, actorId, key, undefined);
    }
  }

  /** Set several (the add-actor form); validated all first so a bad one changes nothing. */
  async setMany(group: Group, actorId: string, vars: Record<string, string>, secret: boolean): Promise<void> {
    for (const [key, value] of Object.entries(vars)) validateEnvEntry(key, value, secret);
    for (const [key, value] of Object.entries(vars)) await this.set(group, actorId, key, value, secret);
  }

  async unset(group: Group, actorId: string, key: string): Promise<void> {
    const actor = group.actor(actorId);
    const secret = await this.secrets.actorSecrets(group.id, actorId);
    if (!(key in actor.env) && !(key in secret)) {
      throw new NotFoundError(
        "env_not_found",
        `Actor ${actorId} has no variable ${key}; "cccc actor env list ${actorId}" shows its variables.`,
      );
    }
    if (key in actor.env) await this.setPlain(group, actorId, key, undefined);
    if (key in secret) await this.secrets.setActorSecret(group.id, actorId, key, undefined);
  }

  async removeActor(group: Group, actorId: string): Promise<void> {
    await this.secrets.removeActor(group.id, actorId);
  }

  /** Credential names and values of every group: no actor gets them from the daemon's environment. */
  async withheld(): Promise<Withheld> {
    const names = new Set<string>(PLATFORMS.credentialEnvNames(undefined));
    const values: string[] = [];
    for (const group of this.kernel.list()) {
      for (const name of PLATFORMS.credentialEnvNames(group.config.im)) names.add(name);
      values.push(...(await this.secrets.values(group.id)));
    }
    return { names, values };
  }

  /** What `buildActorEnv` needs for one actor's start. */
  async forStart(
    group: Group,
    actor: ActorConfig,
  ): Promise<{ withheld: Withheld; actorEnv: Env; actorSecrets: Env }> {
    return {
      withheld: await this.withheld(),
      actorEnv: actor.env,
      actorSecrets: await this.secrets.actorSecrets(group.id, actor.id),
    };
  }

  private async setPlain(
    group: Group,
    actorId: string,
    key: string,
    value: string | undefined,
  ): Promise<void> {
    await group.updateConfig((c) => {
      const actor = c.actors.find((a) => a.id === actorId);
      if (!actor) return;
      const env = { ...actor.env };
      if (value === undefined) delete env[key];
      else env[key] = value;
      actor.env = env;
    });
  }
}
