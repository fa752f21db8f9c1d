/** Fake DingTalk server for tests (not itself a test). See server.ts. */

export {
  type FakeCard,
  type FakeCardOptions,
  type FakeCardSpace,
  type FakeCardState,
  STANDARD_AI_CARD_TEMPLATE,
} from "./card-state.js";
export { type FakeLimits, PLATFORM_LIMITS } from "./limits.js";
export {
  buildRobotMessage,
  newConversationId,
  newMsgId,
  type RobotMessageOptions,
  type RobotMsgType,
} from "./payloads.js";
export {
  DEFAULT_APP,
  FakeDingTalk,
  type FakeDingTalkOptions,
  type FakeRobotMessageOptions,
  type FakeSockets,
  startFakeDingTalk,
} from "./server.js";
export type {
  AckRecord,
  FakeApp,
  FaultEndpoint,
  FaultKind,
  RequestRecord,
  SentMessage,
  UploadRecord,
} from "./state.js";
export { type FakeConnection, ROBOT_TOPIC } from "./stream.js";
