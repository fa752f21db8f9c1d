/**
 * Stream ack frames, and sending them so that the acks of one tick leave in one socket write.
 *
 * A burst of frames resolves its journal batch at once and acks every frame in the same microtask
 * run; `ws` writes each message with its own cork/uncork, i.e. one `writev` syscall per ack. Corking
 * the underlying socket for the rest of the tick (uncorked on `process.nextTick`, which runs after
 * the pending microtasks) turns N acks into one write. `ws` does not expose its socket: `_socket` is
 * private, so it is used only when it has `cork`/`uncork`; otherwise every ack is sent as before.
 */
import type WebSocket from "ws";

interface Corkable {
  cork(): void;
  uncork(): void;
}

const corked = new WeakSet<object>();

let lastData = "{}";
let lastQuoted = JSON.stringify(lastData);

/** The ack of a pushed frame: `data` is the callback's answer (a JSON string), sent as a string. */
export function ackFrame(messageId: string, data: string): string {
  // A burst acks with the same answer: quote it once.
  if (data !== lastData) {
    lastData = data;
    lastQuoted = JSON.stringify(data);
  }
  return `{"code":200,"headers":{"messageId":${JSON.stringify(messageId)},"contentType":"application/json"},"message":"OK","data":${lastQuoted}}`;
}

/** `ws.send(text)`, batched with the other sends of this tick into one socket write. */
export function sendInTick(ws: WebSocket, text: string): void {
  const socket = (ws as unknown as { _socket?: Partial<Corkable> })._socket;
  if (!corked.has(ws) && typeof socket?.cork === "function" && typeof socket.uncork === "function") {
    const s = socket as Corkable;
    s.cork();
    corked.add(ws);
    process.nextTick(() => {
      corked.delete(ws);
      s.uncork();
    });
  }
  ws.send(text);
}
