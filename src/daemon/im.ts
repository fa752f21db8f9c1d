import { boardTiming } from "../im/board.js";
import { Bridge, type ImStatus } from "../im/bridge.js";
import { cardTimingsFromEnv } from "../im/cards/timings.js";
import { DingTalkAdapter } from "../im/dingtalk/adapter.js";
import { type DingTalkCredentials, resolveDingTalkCredentials } from "../im/dingtalk/config.js";
import { rateLimitsFromEnv } from "../im/dingtalk/rate-limit.js";
import { streamTimingFromEnv } from "../im/dingtalk/stream-options.js";
import type { WebhookRequest, WebhookResponse } from "../im/dingtalk/webhook.js";
import { type InboundRate, parseInboundRate } from "../im/inbound-limit.js";
import { BridgeLog, imLogPath } from "../im/log.js";
import { BridgeSupervisor } from "../im/supervisor.js";
import type { ImConfig } from "../kernel/config.js";
import { CcccError, ConfigError, ValidationError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import { GroupBridgeHost } from "./bridge-host.js";
import type { DaemonContext } from "./context.js";
import { SecretsStore } from "./secrets.js";

export interface ImConfigInput {
  platform: "dingtalk";
  app_key?: string;
  app_secret?: string;
  robot_code?: string;
  app_key_env?: string;
  app_secret_env?: string;
  robot_code_env?: string;
  /** HTTP mode encrypted callbacks (event subscription token and AES key). */
  http_token?: string;
  http_aes_key?: string;
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
  secrets: {
    app_key: boolean;
    app_secret: boolean;
    robot_code: boolean;
    http_token: boolean;
    http_aes_key: boolean;
  };
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
  private readonly adapters = new Map<string, DingTalkAdapter>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly env: NodeJS.ProcessEnv,
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

  private imConfig(group: Group): ImConfig {
    const im = group.config.im;
    if (!im) {
      throw new ConfigError(
        `Group ${group.id} has no IM bridge configured: run "cccc im set dingtalk --app-key-env … --app-secret-env …" or use Settings → IM Bridge in the Web UI.`,
      );
    }
    return im;
  }

  private async credentials(group: Group): Promise<DingTalkCredentials> {
    const im = this.imConfig(group);
    const stored = await this.secrets.read(group.id);
    const resolved = resolveDingTalkCredentials(im, this.env, stored);
    if (resolved instanceof CcccError) throw resolved;
    // A variable in the daemon's environment wins over a saved value: say so when they differ.
    for (const [envName, key] of [
      [im.dingtalk_app_key_env, "dingtalk_app_key"],
      [im.dingtalk_app_secret_env, "dingtalk_app_secret"],
    ] as const) {
      const fromEnv = envName ? this.env[envName] : undefined;
      if (fromEnv && stored[key] && fromEnv !== stored[key]) {
        this.log(group).write(
          `note: ${envName} in the daemon's environment overrides the saved ${key}; unset it or save the same value`,
        );
      }
    }
    this.log(group).setSecrets(
      [resolved.appKey, resolved.appSecret, resolved.robotCode ?? ""].filter(Boolean),
    );
    return resolved;
  }

  private createBridge(group: Group, creds: DingTalkCredentials | undefined): Bridge {
    const im = this.imConfig(group);
    const log = this.log(group);
    const host = new GroupBridgeHost(this.ctx, group, (line) => log.write(line));
    const adapter = new DingTalkAdapter({
      appKey: creds?.appKey ?? "",
      appSecret: creds?.appSecret ?? "",
      ...(creds?.robotCode ? { robotCode: creds.robotCode } : {}),
      apiBase: this.env.CCCC_DINGTALK_API_BASE || "https://api.dingtalk.com",
      oapiBase: this.env.CCCC_DINGTALK_OAPI_BASE || "https://oapi.dingtalk.com",
      stateDir: host.stateDir,
      log: (line) => log.write(line),
      mode: im.mode,
      cards: {
        enabled: im.cards !== "off",
        ...(im.dingtalk_card_template_id ? { templateId: im.dingtalk_card_template_id } : {}),
      },
      stream: streamTimingFromEnv(this.env.CCCC_DINGTALK_STREAM_TIMING, (line) => log.write(line)),
      api: { limits: rateLimitsFromEnv(this.env.CCCC_DINGTALK_RATE_LIMITS, (line) => log.write(line)) },
      ...(creds?.httpToken ? { httpToken: creds.httpToken } : {}),
      ...(creds?.httpAesKey ? { httpAesKey: creds.httpAesKey } : {}),
    });
    if (creds) this.adapters.set(group.id, adapter);
    return new Bridge(
      host,
      adapter,
      {
        platform: im.platform,
        filesEnabled: im.files.enabled,
        maxFileMb: im.files.max_mb,
        language: im.language,
        cards: im.cards !== "off",
        // `im.cards: off` (issue 11 item 6) turns the board card off too: /status is the text reply.
        board: im.cards === "off" ? null : boardTiming(im.board),
        working: im.working,
        ...(im.dingtalk_allowed_users ? { allowedUsers: im.dingtalk_allowed_users } : {}),
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
    const has = (envName: string | undefined, key: string) =>
      Boolean((envName && this.env[envName]) || stored[key]);
    const supervised = this.supervisor.status(group.id);
    const error = this.startErrors.get(group.id);
    return {
      config: im,
      secrets: {
        app_key: has(im?.dingtalk_app_key_env, "dingtalk_app_key"),
        app_secret: has(im?.dingtalk_app_secret_env, "dingtalk_app_secret"),
        robot_code: has(im?.dingtalk_robot_code_env, "dingtalk_robot_code"),
        http_token: has(im?.http_token_env as string | undefined, "dingtalk_http_token"),
        http_aes_key: has(im?.http_aes_key_env as string | undefined, "dingtalk_http_aes_key"),
      },
      status: supervised ?? (error ? { ...STOPPED, state: "error", last_error: error } : STOPPED),
    };
  }

  /** Save the `im:` block (env names only) and the secret values (0600 store); start unless told not to. */
  async configure(group: Group, input: ImConfigInput): Promise<ImView> {
    if (input.platform !== "dingtalk") {
      throw new ValidationError(
        "unsupported_platform",
        `Unsupported platform "${input.platform}": use dingtalk.`,
      );
    }
    await this.secrets.update(group.id, {
      dingtalk_app_key: input.app_key?.trim(),
      dingtalk_app_secret: input.app_secret?.trim(),
      dingtalk_robot_code: input.robot_code?.trim(),
      dingtalk_http_token: input.http_token?.trim(),
      dingtalk_http_aes_key: input.http_aes_key?.trim(),
    });
    await group.updateConfig((c) => {
      const prev = c.im;
      const next: ImConfig = {
        ...(prev ?? {}),
        platform: "dingtalk",
        enabled: prev?.enabled ?? false,
        mode: input.mode ?? prev?.mode ?? "stream",
        files: prev?.files ?? { enabled: true, max_mb: 20 },
        language: input.language ?? prev?.language ?? "en",
        cards: input.cards ?? prev?.cards ?? "on",
        working: input.working ?? prev?.working ?? "reaction",
      };
      // The seed's block names the variables even when the values came from the Web UI: the values
      // live in the secrets store, and a variable of that name, if set, wins.
      const envs = {
        dingtalk_app_key_env: input.app_key_env ?? prev?.dingtalk_app_key_env ?? "DINGTALK_APP_KEY",
        dingtalk_app_secret_env:
          input.app_secret_env ?? prev?.dingtalk_app_secret_env ?? "DINGTALK_APP_SECRET",
        dingtalk_robot_code_env:
          input.robot_code_env ?? prev?.dingtalk_robot_code_env ?? "DINGTALK_ROBOT_CODE",
      };
      Object.assign(next, envs);
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
      await this.supervisor.start({
        groupId: group.id,
        appKey: creds.appKey,
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

  /** The running bridge, or one built just to read and change its state files. */
  async bridge(group: Group): Promise<Bridge> {
    const running = this.supervisor.get(group.id);
    if (running) return running;
    const creds = await this.credentials(group).catch(() => undefined);
    return this.createBridge(group, creds);
  }

  /** An HTTP-mode callback for a group's bridge (signature checked by the adapter). */
  async webhook(groupId: string, req: WebhookRequest): Promise<WebhookResponse> {
    const adapter = this.supervisor.get(groupId) ? this.adapters.get(groupId) : undefined;
    if (!adapter) return { status: 503, body: { error: "no running DingTalk bridge for this group" } };
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
