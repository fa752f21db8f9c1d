import { describe, expect, it } from "vitest";
import { HttpParseError, parseResponse, readResponse } from "../../src/client/http-parse.js";

const b = (s: string) => Buffer.from(s, "latin1");

describe("parseResponse", () => {
  it("reads a Content-Length body and stops at its end", () => {
    const r = parseResponse(
      b("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}extra"),
    );
    expect(r?.status).toBe(200);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.body.toString()).toBe("{}");
  });

  it("is incomplete until the last byte, at every split point", () => {
    const full = b("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello");
    for (let i = 0; i < full.length; i++) expect(parseResponse(full.subarray(0, i))).toBeUndefined();
    expect(parseResponse(full)?.body.toString()).toBe("hello");
    const chunked = b(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
    );
    for (let i = 0; i < chunked.length; i++) expect(parseResponse(chunked.subarray(0, i))).toBeUndefined();
    expect(parseResponse(chunked)?.body.toString()).toBe("abcde");
  });

  it("decodes chunked bodies with extensions and trailers", () => {
    const r = parseResponse(
      b("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"),
    );
    expect(r?.body.toString()).toBe("0123456789");
  });

  it("joins repeated headers and lower-cases names", () => {
    const r = parseResponse(b("HTTP/1.0 404 Not Found\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n"));
    expect(r).toMatchObject({ status: 404, headers: { "x-a": "1, 2" } });
  });

  it("skips 1xx answers and has no body for 204, 304 and HEAD", () => {
    const r = parseResponse(b("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
    expect(r?.status).toBe(200);
    expect(r?.body.toString()).toBe("x");
    expect(parseResponse(b("HTTP/1.1 204 No Content\r\n\r\n"))?.body.length).toBe(0);
    expect(parseResponse(b("HTTP/1.1 304 Not Modified\r\n\r\n"))?.body.length).toBe(0);
    expect(parseResponse(b("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), false, true)?.body.length).toBe(
      0,
    );
  });

  it("reads a body without framing up to the end of the connection", () => {
    const buf = b("HTTP/1.1 200 OK\r\n\r\nuntil close");
    expect(parseResponse(buf)).toBeUndefined();
    expect(parseResponse(buf, true)?.body.toString()).toBe("until close");
  });

  it("refuses malformed input with a clear error", () => {
    const bad = [
      ["garbage\r\n\r\n", /bad status line "garbage"/],
      ["HTTP/1.1 2000 OK\r\n\r\n", /bad status line/],
      ["HTTP/1.1 200 OK\r\nno colon\r\n\r\n", /bad header line "no colon"/],
      ["HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", /bad header line/],
      ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /bad content-length "-1"/],
      ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", /conflicting content-length/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", /unsupported transfer-encoding "gzip"/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /bad chunk size "zz"/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd", /not followed by CRLF/],
    ] as const;
    for (const [input, message] of bad) {
      expect(() => parseResponse(b(input)), input).toThrow(HttpParseError);
      expect(() => parseResponse(b(input)), input).toThrow(message);
    }
  });

  it("says what was missing when the connection closed early", () => {
    expect(() => parseResponse(b(""), true)).toThrow(/closed without an answer/);
    expect(() => parseResponse(b("HTTP/1.1 200 OK\r\nContent-"), true)).toThrow(/closed inside the headers/);
    expect(() => parseResponse(b("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"), true)).toThrow(
      /after 2 of 4 body bytes/,
    );
    expect(() =>
      parseResponse(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"), true),
    ).toThrow(/inside a chunked body/);
  });

  it("refuses a header section that never ends", () => {
    expect(() => parseResponse(b(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`))).toThrow(/too large/);
  });

  it("says how many bytes to wait for before trying again", () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    expect(readResponse(b("HTTP/1.1 200 O"))).toBe(15);
    expect(readResponse(b(`${head}abc`))).toBe(head.length + 1000);
    expect(readResponse(b("HTTP/1.1 200 OK\r\n\r\nbody"))).toBe(Number.POSITIVE_INFINITY);
    expect(readResponse(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"))).toBe(53);
  });
});
