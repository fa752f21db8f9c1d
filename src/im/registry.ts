/**
 * A set of `PlatformModule`s and what the core derives from it: the `im:` config check, the Web UI
 * catalogue, the credential wire names, the variables actors never see. `platforms.ts` holds the
 * production set; tests build their own with a test platform.
 */
import { ConfigError, ValidationError } from "../kernel/errors.js";
import type { ImBase, PlatformModule, PlatformRuntime, PlatformUi } from "./platform.js";

export class PlatformRegistry {
  private readonly modules = new Map<string, PlatformModule>();

  constructor(modules: PlatformModule[] = []) {
    for (const m of modules) this.add(m);
  }

  add(module: PlatformModule): this {
    if (this.modules.has(module.id)) throw new Error(`platform ${module.id} is registered twice`);
    this.modules.set(module.id, module);
    return this;
  }

  get ids(): string[] {
    return [...this.modules.keys()];
  }

  all(): PlatformModule[] {
    return [...this.modules.values()];
  }

  get(id: string): PlatformModule | undefined {
    return this.modules.get(id);
  }

  /** The module of `id`, or a ValidationError naming the platforms there are. */
  require(id: string, how: "use" | "available" = "use"): PlatformModule {
    const module = this.modules.get(id);
    if (module) return module;
    const list = this.ids.join(", ");
    throw new ValidationError(
      "unsupported_platform",
      how === "use"
        ? `Unsupported platform "${id}": use ${list}.`
        : `Unsupported platform "${id}": only ${list} ${this.modules.size > 1 ? "are" : "is"} available.`,
    );
  }

  /**
   * Validate a group's `im:` block: the platform-neutral keys (kernel `ImConfigSchema`), then the
   * platform's own strict schema. The ConfigError names the file, the key and the fix.
   */
  async parseIm(raw: unknown, file = "group.yaml"): Promise<ImBase> {
    // Loaded here, not at import: the CLI reads this registry and must start without zod.
    const { ImConfigSchema } = await import("../kernel/config.js");
    const base = ImConfigSchema.safeParse(raw);
    if (!base.success) throw imError(file, base.error.issues[0]);
    const module = this.modules.get(base.data.platform);
    if (!module) {
      throw new ConfigError(
        `${file}: im.platform: unsupported platform "${base.data.platform}": use ${this.ids.join(", ")}`,
        {
          file,
          key: "im.platform",
        },
      );
    }
    const own = (await module.load()).imSchema.safeParse(raw);
    if (!own.success) throw imError(file, own.error.issues[0]);
    return { ...own.data, ...base.data } as ImBase;
  }

  /** The platforms' names for running text: "Foo", "Foo and Bar". */
  get labels(): string {
    const names = this.all().map((m) => m.ui.label);
    return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
  }

  /** `cccc im set <first platform> <its required flags> …`, for "not configured" messages. */
  setCommandHint(): string {
    const first = this.all()[0];
    if (!first) return "cccc im set <platform>";
    const flags = first.cli.flags.filter((f) => f.required).map((f) => `${f.flag.split(" ")[0]} …`);
    return ["cccc im set", first.id, ...flags].join(" ");
  }

  /** The module of `id` and its loaded runtime (schema, credentials, adapter). */
  async runtime(id: string): Promise<{ module: PlatformModule; runtime: PlatformRuntime<unknown> }> {
    const module = this.require(id);
    return { module, runtime: await module.load() };
  }

  /** What the Web UI renders (`GET /api/v1/im/platforms`). */
  catalog(): PlatformUi[] {
    return this.all().map((m) => ({
      ...m.ui,
      fields: m.ui.fields.map((f) => {
        const spec = m.credentials.find((c) => c.id === f.credential);
        return f.kind === "env" && spec ? { ...f, configKey: spec.envKey } : f;
      }),
    }));
  }

  /** Every credential wire name (`<id>`, and `<id>_env` where group.yaml names it) of every platform. */
  credentialFields(): { values: string[]; envs: string[] } {
    const values = new Set<string>();
    const envs = new Set<string>();
    for (const m of this.all()) {
      for (const c of m.credentials) {
        values.add(c.id);
        if (c.namedInConfig) envs.add(`${c.id}_env`);
      }
    }
    return { values: [...values], envs: [...envs] };
  }

  /**
   * Every variable name that may hold a credential: each platform's default names, and the `*_env`
   * values of `im` (docs/runners.md, "Actor environment": actors never see these).
   */
  credentialEnvNames(im: Record<string, unknown> | null | undefined): string[] {
    const names = new Set<string>(this.all().flatMap((m) => m.credentials.map((c) => c.defaultEnv)));
    for (const [key, value] of Object.entries(im ?? {})) {
      if (key.endsWith("_env") && typeof value === "string" && value.trim()) names.add(value.trim());
    }
    return [...names];
  }
}

function imError(file: string, issue: { path: PropertyKey[]; message: string } | undefined): ConfigError {
  const key = ["im", ...(issue?.path ?? [])].map(String).join(".");
  return new ConfigError(`${file}: ${key}: ${issue?.message ?? "invalid"}`, { file, key });
}
