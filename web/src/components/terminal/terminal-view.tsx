import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import type { ActorInfo } from "../../api/types.ts";
import { type SocketState, TerminalSocket } from "./terminal-socket.ts";

const FONT = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC", monospace';
const THEME = {
  background: "#111418",
  foreground: "#e6e9ef",
  cursor: "#e6e9ef",
  selectionBackground: "#3a4a6b",
};

function label(state: SocketState, detail: string): string {
  switch (state) {
    case "live":
      return detail ? `Live · ${detail}` : "Live";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return "Reconnecting…";
    case "unavailable":
      // The daemon's reason is "code: sentence"; the sentence is for people.
      return `Not running${detail ? ` — ${detail.replace(/^[a-z_]+:\s*/, "")}` : ""}`;
    case "closed":
      return "Closed";
  }
}

/**
 * An actor's terminal in xterm.js: live output, typing goes to the PTY, size follows the panel,
 * reconnects by itself. Headless actors show their log, read-only.
 */
export function TerminalView(props: { gid: string; actor: ActorInfo }) {
  const { gid, actor } = props;
  const host = useRef<HTMLDivElement>(null);
  const socket = useRef<TerminalSocket | undefined>(undefined);
  const [state, setState] = useState<{ state: SocketState; detail: string }>({
    state: "connecting",
    detail: "",
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({ fontFamily: FONT, fontSize: 13, scrollback: 5000, theme: THEME });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const fitNow = () => {
      if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
    };
    fitNow();
    term.focus();

    const path = `/api/v1/groups/${encodeURIComponent(gid)}/actors/${encodeURIComponent(actor.id)}/terminal/ws`;
    const sock: TerminalSocket = new TerminalSocket(path, {
      hello: (hello, restart) => {
        if (restart) term.reset();
        term.options.disableStdin = !hello.writable;
        // The PTY takes this viewer's size (the last viewer to connect or resize wins).
        if (hello.writable) sock.resize(term.cols, term.rows);
      },
      output: (bytes) => term.write(bytes),
      exit: (code, signal) => {
        const how = signal ? ` (${signal})` : code === null ? "" : ` with code ${code}`;
        term.write(`\r\n\x1b[2m[process exited${how}]\x1b[0m\r\n`);
      },
      state: (next, detail) => setState({ state: next, detail }),
    });
    socket.current = sock;
    const typed = term.onData((data) => sock.send(data));
    // Some mouse reports are raw bytes, not UTF-8 text.
    const binary = term.onBinary((data) => sock.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    const resized = term.onResize(({ cols, rows }) => sock.resize(cols, rows));
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fitNow);
    });
    observer.observe(el);

    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
      typed.dispose();
      binary.dispose();
      resized.dispose();
      sock.dispose();
      socket.current = undefined;
      term.dispose();
    };
  }, [gid, actor.id]);

  // Started or restarted (new pid): connect now rather than at the next quiet retry.
  useEffect(() => {
    if (actor.status === "running" && actor.pid !== undefined) socket.current?.retry();
  }, [actor.status, actor.pid]);

  return (
    <section className="terminal-pane" aria-label={`Terminal of ${actor.id}`}>
      <div className="chat-head">
        <h2>
          {actor.id}
          <span className="muted small">
            {" "}
            · {actor.runtime} · {actor.runner === "headless" ? "log (read-only)" : "terminal"}
          </span>
        </h2>
        <span className={`stream-state ${state.state}`} aria-live="polite" data-state={state.state}>
          {label(state.state, state.detail)}
        </span>
      </div>
      <div className="terminal-host" ref={host} />
    </section>
  );
}
