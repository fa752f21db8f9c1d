/**
 * Shapes of the daemon's HTTP API, inferred from the wire contract (src/contract/, docs/api.md):
 * a field the daemon adds or drops there is a type error here. Type-only imports, so the bundle
 * carries no schema code. Ledger event payloads come typed from src/kernel/types.ts.
 */

import type { z } from "zod";
import type {
  ActorAttention,
  BodyOf,
  ActorEnvEntry as ContractActorEnvEntry,
  ActorEnvView as ContractActorEnvView,
  ActorInfo as ContractActorInfo,
  ActorStatus as ContractActorStatus,
  Approval as ContractApproval,
  AuthorizedChat as ContractAuthorizedChat,
  GroupSummary as ContractGroupSummary,
  ImConfigView as ContractImConfig,
  ImSecrets as ContractImSecrets,
  ImStatus as ContractImStatus,
  ImView as ContractImView,
  PendingRequest as ContractPendingRequest,
  PlatformInfo as ContractPlatformInfo,
  ResponseOf,
} from "../../../src/contract/index.ts";
import type {
  Attachment,
  ChatMessageData,
  LedgerEvent,
  SystemNotifyData,
} from "../../../src/kernel/types.ts";

export type { ChatStreamData } from "../../../src/daemon/stream-hub.ts";
export type { EventOf, LedgerEventData, LedgerKind } from "../../../src/kernel/event-kinds.ts";
export type { Attachment, BodyOf, ChatMessageData, LedgerEvent, ResponseOf, SystemNotifyData };

export type GroupSummary = z.infer<typeof ContractGroupSummary>;
export type ActorStatus = z.infer<typeof ContractActorStatus>;
export type ActorInfo = z.infer<typeof ContractActorInfo>;
export type ActorAttentionInfo = z.infer<typeof ActorAttention>;
/** An approval request of the group's inbox (docs/approvals.md). */
export type Approval = z.infer<typeof ContractApproval>;
/** Body of `POST /actors`. */
export type NewActor = BodyOf<"addActor">;
/** One of an actor's own variables; a secret comes back without its value. */
export type ActorEnvEntry = z.infer<typeof ContractActorEnvEntry>;
export type ActorEnvView = z.infer<typeof ContractActorEnvView>;

export type ImConfig = z.infer<typeof ContractImConfig>;
export type ImMode = ImConfig["mode"];
export type ImLanguage = ImConfig["language"];
export type ImSecrets = z.infer<typeof ContractImSecrets>;
export type ImStatus = z.infer<typeof ContractImStatus>;
export type ImError = NonNullable<ImStatus["last_error"]>;
export type ImState = z.infer<typeof ContractImView>;
/** Body of `PUT /im/config`. Omitted credentials keep what is stored. */
export type ImConfigInput = BodyOf<"imConfigure">;
export type PendingRequest = z.infer<typeof ContractPendingRequest>;
export type AuthorizedChat = z.infer<typeof ContractAuthorizedChat>;
/** One platform as Settings → IM Bridge renders it (`GET /im/platforms`; src/im/platform.ts). */
export type PlatformInfo = z.infer<typeof ContractPlatformInfo>;
export type PlatformField = PlatformInfo["fields"][number];
