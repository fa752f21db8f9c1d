/**
 * Live `chat.stream` events of structured sessions: start / update / end snapshots keyed by
 * `stream_id`, throttled per stream, fanned out to followers of the group's event stream. Never
 * written to the ledger (the final `chat.message` carries the same `stream_id`). A follower that
 * joins mid-stream gets the current snapshot of every running stream first.
 */

import type { TurnState } from "../runners/structured-protocol.js";

export const DEFAULT_STREAM_THROTTLE_MS = 100;

export interface ChatStreamData {
  stream_id: string;
  op: "start" | "update" | "end";
  mode: "snapshot";
  actor_id: string;
  /** Everything streamed so far (a snapshot, not a delta). */
  text: string;
  /** The latest tool call: "reading src/app.ts". */
  activity: string;
  to: string[];
  reply_to?: string;
  /** Per stream, increasing. */
  seq: number;
  ts: string;
  state?: TurnState;
  error?: string;
  /** The final chat.message, when the turn ended done and CCCC posted it. */
  event_id?: string;
}

export interface ChatStreamItem {
  kind: "chat.stream";
  group_id: string;
  by: string;
  data: ChatStreamData;
}

type Listener = (item: ChatStreamItem) => void;

interface Live {
  groupId: string;
  data: ChatStreamData;
  lastSent: number;
  timer?: NodeJS.Timeout;
}

export interface StreamStart {
  groupId: string;
  actorId: string;
  streamId: string;
  to: string[];
  replyTo?: string;
}

export class StreamHub {
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly throttleMs = DEFAULT_STREAM_THROTTLE_MS) {}

  start(s: StreamStart): void {
    const data: ChatStreamData = {
      stream_id: s.streamId,
      op: "start",
      mode: "snapshot",
      actor_id: s.actorId,
      text: "",
      activity: "",
      to: s.to,
      seq: 0,
      ts: new Date().toISOString(),
    };
    if (s.replyTo) data.reply_to = s.replyTo;
    const live: Live = { groupId: s.groupId, data, lastSent: 0 };
    this.live.set(s.streamId, live);
    this.emit(live);
  }

  /** New text/activity; sent at once if the last update is ≥ throttle old, else once the throttle passes. */
  update(streamId: string, text: string, activity: string): void {
    const live = this.live.get(streamId);
    if (!live) return;
    live.data.text = text;
    live.data.activity = activity;
    if (live.timer) return;
    const wait = live.lastSent + this.throttleMs - Date.now();
    if (wait <= 0) {
      live.data.op = "update";
      this.emit(live);
      return;
    }
    live.timer = setTimeout(() => {
      live.timer = undefined;
      if (!this.live.has(streamId)) return;
      live.data.op = "update";
      this.emit(live);
    }, wait);
  }

  end(streamId: string, end: { state: TurnState; text: string; error?: string; eventId?: string }): void {
    const live = this.live.get(streamId);
    if (!live) return;
    clearTimeout(live.timer);
    this.live.delete(streamId);
    Object.assign(live.data, { op: "end", text: end.text, state: end.state });
    if (end.error) live.data.error = end.error;
    if (end.eventId) live.data.event_id = end.eventId;
    this.emit(live);
  }

  /** Current snapshots of the group's running streams (for a follower that just joined). */
  snapshots(groupId: string): ChatStreamItem[] {
    return [...this.live.values()]
      .filter((l) => l.groupId === groupId)
      .map((l) => this.item(l.groupId, { ...l.data, op: "update" }));
  }

  subscribe(groupId: string, listener: Listener): () => void {
    let set = this.listeners.get(groupId);
    if (!set) {
      set = new Set();
      this.listeners.set(groupId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  close(): void {
    for (const live of this.live.values()) clearTimeout(live.timer);
    this.live.clear();
    this.listeners.clear();
  }

  private emit(live: Live): void {
    live.lastSent = Date.now();
    live.data.seq += 1;
    live.data.ts = new Date(live.lastSent).toISOString();
    const item = this.item(live.groupId, { ...live.data });
    for (const listener of [...(this.listeners.get(live.groupId) ?? [])]) {
      try {
        listener(item);
      } catch {
        // A broken follower must not stop the others.
      }
    }
  }

  private item(groupId: string, data: ChatStreamData): ChatStreamItem {
    return { kind: "chat.stream", group_id: groupId, by: data.actor_id, data };
  }
}
