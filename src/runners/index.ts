/** Actor processes and message delivery: what the daemon imports. */

export { type ActorEnvInput, buildActorEnv, scrubDaemonEnv, type Withheld } from "./actor-env.js";
export {
  DEFAULT_DELIVERY_TIMINGS,
  DeliveryQueue,
  type DeliveryQueueOptions,
  type DeliveryTarget,
  type DeliveryTimings,
} from "./delivery.js";
export { HeadlessRunner, type HeadlessRunnerOptions } from "./headless-runner.js";
export {
  assertLaunchable,
  DEFAULT_STOP_GRACE_MS,
  type Env,
  type ExitInfo,
  findExecutable,
  type Runner,
} from "./process-group.js";
export { type PtyDataListener, PtyRunner, type PtyRunnerOptions } from "./pty-runner.js";
export {
  type PreambleInfo,
  REPLY_ID_CHARS,
  type RenderContext,
  renderBatch,
  renderEvent,
  renderPreamble,
} from "./render.js";
export {
  DEFAULT_LOG_KEEP,
  DEFAULT_LOG_MAX_BYTES,
  logLimitsFromEnv,
  RotatingLog,
  type RotatingLogOptions,
} from "./rotating-log.js";
export {
  isRuntimeName,
  mcpRegistration,
  type RegisterMcpOptions,
  type RegisterMcpResult,
  RUNTIME_NAMES,
  RUNTIMES,
  type RuntimeName,
  type RuntimePreset,
  registerMcp,
  resolveCommand,
  runtimePreset,
  type SubmitKey,
} from "./runtimes.js";
export { assertClaudeRootSandbox } from "./sandbox-check.js";
export { DEFAULT_SCROLLBACK_BYTES, Scrollback, type ScrollbackRead } from "./scrollback.js";
export {
  type ActorExit,
  ActorProcess,
  type ActorProcessOptions,
  type ActorStatus,
  type RestartPolicy,
  type RunnerKind,
} from "./supervisor.js";
