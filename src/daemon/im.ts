import { boardTiming } from "../im/board.js";
import { Bridge, type ImStatus } from "../im/bridge.js";
import type { BridgeAdmin } from "../im/bridge-admin.js";
import { cardTimingsFromEnv } from "../im/cards/timings.js";
import { type InboundRate, parseInboundRate } from "../im/inbound-limit.js";
import { BridgeLog, imLogPath } from "../im/log.js";
import type {
  ImBase,
  ModuleAdapter,
  PlatformModule,
  PlatformRuntime,
  WebhookRequest,
  WebhookResponse,
} from "../im/platform.js";
import { PLATFORMS } from "../im/platforms.js";
import type { PlatformRegistry } from "../im/registry.js";
import { BridgeSupervisor } from "../im/supervisor.js";
import type { ImConfig } from "../kernel/config.js";
import { CcccError, ConfigError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import { GroupBridgeHost } from "./bridge-host.js";
import type { DaemonContext } from "./context.js";
import { SecretsStore } from "./secrets.js";

/**
 * Body of `PUT /im/config`. Besides these: each credential of the platform's module as `<id>` (a
 * value for the secrets store) and, where group.yaml names its variable, `<id>_env`.
 */
export interface ImConfigInput {
  platform: string;
  [credential: string]: string | boolean | undefined;
  mode?: "stream" | "http";
  /** `im.language`: what the bot speaks in chats (en, zh); unchanged when omitted. */
  language?: "en" | "zh";
  /** `im.cards` and `im.working`; unchanged when omitted. */
  cards?: "on" | "off";
  working?: "reaction" | "card";
  /** Start (or restart) the bridge after saving; default true (the Web UI's Save Config). */
  start?: boolean;
}

export interface ImView {
  config: ImConfig | null;
  /** Per credential id: whether a value is available (env var or store). */
  secrets: Record<string, boolean>;
  status: ImStatus & { restarts?: number };
}

const STOPPED: ImStatus = {
  running: false,
  state: "stopped",
  connected: false,
  reconnects: 0,
  subscribers: 0,
};

/** The IM bridges of every group: configuration, credentials, lifecycle under a supervisor. */
export class ImManager {
  private readonly supervisor: BridgeSupervisor;
  private readonly secrets: SecretsStore;
  private readonly logs = new Map<string, BridgeLog>();
  private readonly startErrors = new Map<string, ImStatus["last_error"]>();
  /** The adapter of each group's current bridge, for HTTP-mode callbacks. */
  private readonly adapters = new Map<string, { platform: string; adapter: ModuleAdapter }>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly env: NodeJS.ProcessEnv,
    readonly platforms: PlatformRegistry = PLATFORMS,
  ) {
    this.supervisor = new BridgeSupervisor({ home: ctx.home.root });
    this.secrets = new SecretsStore(ctx.home);
  }

  log(group: Group): BridgeLog {
    let log = this.logs.get(group.id);
    if (!log) {
      log = new BridgeLog(imLogPath(this.ctx.home.groupDir(group.id)));
      this.logs.set(group.id, log);
    }
    return log;
  }

  /** The group's `im:` block, checked by its platform's strict schema, and that platform. */
  private async imConfig(
    group: Group,
  ): Promise<{ im: ImBase; module: PlatformModule; runtime: PlatformRuntime<unknown> }> {
    const raw = group.config.im;
    if (!raw) {
      throw new ConfigError(
        `Group ${group.id} has no IM bridge configured: run "${this.platforms.setCommandHint()}" or use Settings → IM Bridge in the Web UI.`,
      );
    }
    const im = await this.platforms.parseIm(raw, `${this.ctx.home.groupDir(group.id)}/group.yaml`);
    return { im, ...(await this.platforms.runtime(im.platform)) };
  }

  private async credentials(group: Group): Promise<unknown> {
    const { im, module, runtime } = await this.imConfig(group);
    const stored = await this.secrets.read(group.id);
    const resolved = runtime.resolveCredentials(im, this.env, stored);
    if (resolved instanceof CcccError) throw resolved;
    // A variable in the daemon's environment wins over a saved value: say so when they differ.
    for (const spec of module.credentials.filter((c) => c.required)) {
      const envName = im[spec.envKey];
      const fromEnv = typeof envName === "string" ? this.env[envName] : undefined;
      const key = spec.secretKey;
      if (fromEnv && stored[key] && fromEnv !== stored[key]) {
        this.log(group).write(
          `note: ${envName} in the daemon's environment overrides the saved ${key}; unset it or save the same value`,
        );
      }
    }
    this.log(group).setSecrets(runtime.secretValues(resolved));
    return resolved;
  }

  private async createBridge(group: Group, creds: unknown): Promise<Bridge> {
    const { im, module, runtime } = await this.imConfig(group);
    const log = this.log(group);
    const host = new GroupBridgeHost(this.ctx, group, (line) => log.write(line), {
      id: module.id,
      approvers: (raw) => runtime.approvers(raw),
    });
    const adapter = runtime.createAdapter({
      im,
      credentials: creds,
      env: this.env,
      stateDir: host.stateDir,
      log: (line) => log.write(line),
    });
    if (creds !== undefined) this.adapters.set(group.id, { platform: module.id, adapter });
    const allowedUsers = runtime.allowedUsers(im);
    return new Bridge(
      host,
      adapter,
      {
        platform: im.platform,
        filesEnabled: im.files.enabled,
        maxFileMb: im.files.max_mb,
        language: im.language,
        platformName: module.ui.chatNames?.[im.language ?? "en"] ?? module.ui.label,
        cards: im.cards !== "off",
        // `im.cards: off` (issue 11 item 6) turns the board card off too: /status is the text reply.
        board: im.cards === "off" ? null : boardTiming(im.board),
        working: im.working,
        ...(allowedUsers ? { allowedUsers } : {}),
        ...this.inboundRate(log),
      },
      cardTimingsFromEnv(this.env.CCCC_IM_CARD_TIMINGS, (line) => log.write(line)),
    );
  }

  /** `CCCC_IM_INBOUND_RATE` (`20/10s`, `off`): the per-chat inbound limit; invalid → default, logged. */
  private inboundRate(log: BridgeLog): { inboundRate?: InboundRate | null } {
    const raw = this.env.CCCC_IM_INBOUND_RATE;
    if (!raw) return {};
    const rate = parseInboundRate(raw);
    if (rate === undefined) {
      log.write(`CCCC_IM_INBOUND_RATE="${raw}" is not like "20/10s" or "off"; using the default 20/10s`);
      return {};
    }
    return { inboundRate: rate };
  }

  async view(group: Group): Promise<ImView> {
    const stored = await this.secrets.read(group.id);
    const im = group.config.im ?? null;
    const has = (envName: unknown, key: string) =>
      Boolean((typeof envName === "string" && envName && this.env[envName]) || stored[key]);
    const module = im ? this.platforms.get(im.platform) : undefined;
    const specs = module ? module.credentials : this.platforms.all().flatMap((m) => m.credentials);
    const secrets: Record<string, boolean> = {};
    for (const spec of specs) secrets[spec.id] = im ? has(im[spec.envKey], spec.secretKey) : false;
    const supervised = this.supervisor.status(group.id);
    const error = this.startErrors.get(group.id);
    return {
      config: im,
      secrets,
      status: supervised ?? (error ? { ...STOPPED, state: "error", last_error: error } : STOPPED),
    };
  }

  /** Save the `im:` block (env names only) and the secret values (0600 store); start unless told not to. */
  async configure(group: Group, input: ImConfigInput): Promise<ImView> {
    const module = this.platforms.require(input.platform);
    const value = (key: string) => {
      const v = input[key];
      return typeof v === "string" ? v : undefined;
    };
    const file = `${this.ctx.home.groupDir(group.id)}/group.yaml`;
    // Checked before anything is saved: a bad variable name is refused with the key named.
    const prev = group.config.im;
    const next: ImConfig = {
      ...(prev ?? {}),
      platform: module.id,
      enabled: prev?.enabled ?? false,
      mode: input.mode ?? prev?.mode ?? "stream",
      files: prev?.files ?? { enabled: true, max_mb: 20 },
      language: input.language ?? prev?.language ?? "en",
      cards: input.cards ?? prev?.cards ?? "on",
      working: input.working ?? prev?.working ?? "reaction",
    };
    // The seed's block names the variables even when the values came from the Web UI: the values
    // live in the secrets store, and a variable of that name, if set, wins.
    for (const spec of module.credentials.filter((c) => c.namedInConfig)) {
      const before = prev?.[spec.envKey];
      next[spec.envKey] = value(`${spec.id}_env`) ?? (typeof before === "string" ? before : spec.defaultEnv);
    }
    await this.platforms.parseIm(next, file);
    const values: Record<string, string | undefined> = {};
    for (const spec of module.credentials) values[spec.secretKey] = value(spec.id)?.trim();
    await this.secrets.update(group.id, values);
    await group.updateConfig((c) => {
      c.im = next;
    });
    // A running bridge is restarted so new credentials, mode or language take effect at once.
    const running = this.supervisor.get(group.id) !== undefined;
    if (running) await this.supervisor.stop(group.id);
    if (input.start !== false || running) await this.start(group);
    return this.view(group);
  }

  /** Start the bridge; credentials are checked first, so bad ones fail here with a clear error. */
  async start(group: Group): Promise<ImView> {
    const log = this.log(group);
    try {
      const creds = await this.credentials(group);
      const { module, runtime } = await this.imConfig(group);
      await this.supervisor.start({
        groupId: group.id,
        appKey: runtime.lockKey(creds),
        platformLabel: module.ui.label,
        create: () => this.createBridge(group, creds),
        log: (line) => log.write(line),
      });
      this.startErrors.delete(group.id);
    } catch (err) {
      const e = err as CcccError;
      const lastError = {
        code: e.code ?? "im_start_failed",
        message: e.message,
        at: new Date().toISOString(),
      };
      this.startErrors.set(group.id, lastError);
      log.write(`start failed: [${lastError.code}] ${lastError.message}`);
      throw err;
    } finally {
      if (!group.config.im?.enabled) {
        await group.updateConfig((c) => {
          if (c.im) c.im.enabled = true;
        });
      }
    }
    log.write("bridge started");
    return this.view(group);
  }

  async stop(group: Group): Promise<ImView> {
    await this.supervisor.stop(group.id);
    this.startErrors.delete(group.id);
    if (group.config.im?.enabled) {
      await group.updateConfig((c) => {
        if (c.im) c.im.enabled = false;
      });
    }
    this.log(group).write("bridge stopped");
    return this.view(group);
  }

  async unset(group: Group): Promise<void> {
    await this.supervisor.stop(group.id);
    await this.secrets.remove(group.id);
    await group.updateConfig((c) => {
      c.im = undefined;
    });
    this.startErrors.delete(group.id);
  }

  /** The admin API of the running bridge, or of one built just to read and change its state files. */
  async admin(group: Group): Promise<BridgeAdmin> {
    return (await this.bridge(group)).admin;
  }

  /** The running bridge, or one built just to read and change its state files. */
  async bridge(group: Group): Promise<Bridge> {
    const running = this.supervisor.get(group.id);
    if (running) return running;
    const creds = await this.credentials(group).catch(() => undefined);
    return this.createBridge(group, creds);
  }

  /** An HTTP-mode callback for a group's bridge (signature checked by the adapter). */
  async webhook(platform: string, groupId: string, req: WebhookRequest): Promise<WebhookResponse> {
    const current = this.supervisor.get(groupId) ? this.adapters.get(groupId) : undefined;
    const adapter = current?.platform === platform ? current.adapter : undefined;
    if (!adapter?.receiveWebhook) {
      const name = this.platforms.get(platform)?.ui.label ?? platform;
      return { status: 503, body: { error: `no running ${name} bridge for this group` } };
    }
    return adapter.receiveWebhook(req);
  }

  /** At daemon start: every group whose `im.enabled` is true. Failures are logged and shown in status. */
  async startEnabled(): Promise<void> {
    for (const group of this.ctx.kernel.list()) {
      if (!group.config.im?.enabled) continue;
      await this.start(group).catch((e) => this.ctx.log(`im ${group.id}: ${(e as Error).message}`));
    }
  }

  async close(): Promise<void> {
    await this.supervisor.stopAll();
  }
}
