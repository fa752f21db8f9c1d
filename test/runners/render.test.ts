import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { renderBatch, renderEvent, renderPreamble } from "../../src/runners/render.js";
import { chatEvent } from "./helpers.js";

const ctx = { groupDir: "/home/u/.cccc/groups/g_test" };

describe("renderEvent", () => {
  it("renders a one-line message with the short reply id", () => {
    const e = chatEvent("ev_0123456789abcdef", "user", { text: "please fix the build", to: ["foreman"] });
    expect(renderEvent(e, ctx)).toBe("[cccc] user → foreman (reply:ev_01234): please fix the build");
  });

  it("puts multi-line text under the header and normalizes CRLF", () => {
    const e = chatEvent("abcdef0123", "peer1", { text: "line one\r\nline two", to: ["user", "foreman"] });
    expect(renderEvent(e, ctx)).toBe("[cccc] peer1 → user, foreman (reply:abcdef01):\nline one\nline two");
  });

  it("fills in the implicit recipients", () => {
    expect(renderEvent(chatEvent("u1234567890", "user", { text: "hi" }), ctx)).toBe(
      "[cccc] user → @foreman (reply:u1234567): hi",
    );
    expect(renderEvent(chatEvent("a1234567890", "peer1", { text: "hi" }), ctx)).toBe(
      "[cccc] peer1 → @all (reply:a1234567): hi",
    );
  });

  it("names the IM sender and lists attachments with absolute paths", () => {
    const e = chatEvent("im00000000001", "user", {
      text: "see the log",
      to: ["foreman"],
      source: {
        platform: "dingtalk",
        chat_id: "cid1",
        chat_type: "group",
        user_id: "u1",
        user_name: "张三",
        message_id: "m1",
      },
      attachments: [
        { path: "blobs/aa_build.log", name: "build.log", mime: "text/plain", bytes: 1234, sha256: "aa" },
        { path: "/abs/shot.png", name: "shot.png", mime: "image/png", bytes: 99, sha256: "bb" },
      ],
    });
    expect(renderEvent(e, ctx)).toBe(
      [
        "[cccc] user [dingtalk / 张三] → foreman (reply:im000000): see the log",
        "[cccc] 2 attachments; read the files at:",
        "- build.log (text/plain, 1234 bytes): /home/u/.cccc/groups/g_test/blobs/aa_build.log",
        "- shot.png (image/png, 99 bytes): /abs/shot.png",
      ].join("\n"),
    );
  });

  it("renders an attachment-only message and a quoted reply", () => {
    const e = chatEvent("r1234567890", "user", {
      text: "",
      to: ["peer1"],
      reply_to: "orig",
      attachments: [{ path: "blobs/x_a.pdf", name: "a.pdf", mime: "application/pdf", bytes: 5, sha256: "x" }],
    });
    const quote = (id: string) => (id === "orig" ? "the   original\nquestion" : undefined);
    expect(renderEvent(e, { ...ctx, quote })).toBe(
      [
        "[cccc] user → peer1 (reply:r1234567):",
        '> "the original question"',
        "[cccc] 1 attachment; read the file at:",
        "- a.pdf (application/pdf, 5 bytes): /home/u/.cccc/groups/g_test/blobs/x_a.pdf",
      ].join("\n"),
    );
  });

  it("renders system notices", () => {
    const e: LedgerEvent = {
      ...chatEvent("n1", "system", {}),
      kind: "system.notify",
      data: { kind: "nudge", priority: "normal", title: "Stand-up", message: "Post your status." },
    };
    expect(renderEvent(e, ctx)).toBe("[cccc] SYSTEM (nudge): Stand-up\nPost your status.");
  });
});

describe("renderBatch", () => {
  it("joins several events under a count line, and leaves a single one alone", () => {
    const a = chatEvent("aaaaaaaa1", "user", { text: "one", to: ["foreman"] });
    const b = chatEvent("bbbbbbbb2", "peer1", { text: "two", to: ["foreman"] });
    expect(renderBatch([a], ctx)).toBe(renderEvent(a, ctx));
    expect(renderBatch([a, b], ctx)).toBe(
      [
        "[cccc] 2 new messages:",
        "[cccc] user → foreman (reply:aaaaaaaa): one",
        "[cccc] peer1 → foreman (reply:bbbbbbbb): two",
      ].join("\n"),
    );
  });
});

describe("renderPreamble", () => {
  it("tells a foreman who it is and how to answer", () => {
    const text = renderPreamble({
      actorId: "lead",
      actorTitle: "Lead",
      groupId: "g_1",
      groupTitle: "repo",
      role: "foreman",
      peers: ["p1", "p2"],
      scope: "/src/repo",
    });
    expect(text.split("\n")).toEqual([
      '[cccc] You are "lead" (Lead), the foreman of the CCCC working group "repo" (g_1).',
      "Team: foreman lead; peers: p1, p2.",
      "Working directory: /src/repo",
      "How messages work:",
      '- Messages for you are typed into this terminal as "[cccc] <from> → <to> (reply:<event_id>): <text>".',
      "- Your terminal output is not seen by anyone. To answer, use the MCP tools cccc_message_reply " +
        "(event_id = the id after reply:) or cccc_message_send, or run `cccc reply <event_id> <text>` / " +
        "`cccc send [--to <id>] <text>` in a shell.",
      "- Recipients: user (the human), @foreman, @peers, @all, or an actor id.",
      "- Attachments are listed with absolute paths: read those files directly.",
      "- Missed something? cccc_inbox_list or `cccc inbox` lists your unread messages.",
      "Your role: you coordinate. Split the work, delegate to peers with cccc_message_send, " +
        "check their results, and report to the user.",
      "Nothing to do yet: wait for the next [cccc] message.",
    ]);
  });

  it("tells a peer who its foreman is", () => {
    const text = renderPreamble({
      actorId: "p1",
      groupId: "g_1",
      groupTitle: "repo",
      role: "peer",
      foremanId: "lead",
      peers: ["p1"],
    });
    expect(text).toContain('[cccc] You are "p1", a peer of the CCCC working group "repo" (g_1).');
    expect(text).toContain("Team: foreman lead; peers: none yet.");
    expect(text).toContain("take work from the foreman (lead)");
    expect(text).not.toContain("Working directory");
  });

  it("ends by announcing the first message when it is typed together with it", () => {
    const info = { actorId: "lead", groupId: "g_1", groupTitle: "repo", role: "foreman" as const };
    expect(renderPreamble(info).split("\n").at(-1)).toBe(
      "Nothing to do yet: wait for the next [cccc] message.",
    );
    expect(
      renderPreamble({ ...info, merged: true })
        .split("\n")
        .at(-1),
    ).toBe("Your first message follows.");
  });
});
