/**
 * A small HTTP/1.1 response parser for the CLI's requests to the local daemon (`http-lite.ts`):
 * status line, headers, and a body framed by Content-Length, chunked transfer coding, or the end of
 * the connection. Enough for a loopback JSON API; anything it does not understand is an
 * `HttpParseError`, never a guess. RFC 9112 sections 4–7.
 */

export interface ParsedResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/** The bytes are not an HTTP/1.1 response we can read. */
export class HttpParseError extends Error {
  constructor(message: string) {
    super(`malformed HTTP response from the daemon: ${message}`);
    this.name = "HttpParseError";
  }
}

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
/** A head larger than this without its end is not a daemon's answer. */
const MAX_HEAD = 64 * 1024;

interface Head {
  status: number;
  headers: Record<string, string>;
  /** Offset of the first body byte. */
  bodyStart: number;
}

/**
 * Parse `buf`, everything received so far. Returns undefined while the response is incomplete;
 * with `ended` (the peer closed the connection) an incomplete response is an error, and a body
 * with neither Content-Length nor chunked coding ends here. `noBody`: the request was a HEAD.
 */
export function parseResponse(buf: Buffer, ended = false, noBody = false): ParsedResponse | undefined {
  const r = readResponse(buf, ended, noBody);
  return typeof r === "number" ? undefined : r;
}

/**
 * `parseResponse`, but an incomplete response gives how many bytes `buf` must hold before a new
 * attempt can succeed (Infinity: only the end of the connection completes it), so a caller
 * receiving a large Content-Length body does not re-parse (and re-concatenate) on every chunk.
 */
export function readResponse(buf: Buffer, ended = false, noBody = false): ParsedResponse | number {
  let offset = 0;
  for (;;) {
    const head = parseHead(buf, offset, ended);
    if (!head) return buf.length + 1;
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one; 101 would switch protocols.
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      offset = head.bodyStart;
      continue;
    }
    const { status, headers, bodyStart } = head;
    if (noBody || status === 101 || status === 204 || status === 304) {
      return { status, headers, body: Buffer.alloc(0) };
    }
    const coding = headers["transfer-encoding"];
    if (coding !== undefined) {
      if (coding.trim().toLowerCase() !== "chunked") {
        throw new HttpParseError(`unsupported transfer-encoding "${coding}"`);
      }
      const body = parseChunked(buf, bodyStart);
      if (body) return { status, headers, body };
      if (ended) throw new HttpParseError("the connection closed inside a chunked body");
      return buf.length + 1;
    }
    const length = headers["content-length"];
    if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw new HttpParseError(`bad content-length "${length}"`);
      const end = bodyStart + Number(length);
      if (buf.length >= end) return { status, headers, body: buf.subarray(bodyStart, end) };
      if (ended) {
        throw new HttpParseError(
          `the connection closed after ${buf.length - bodyStart} of ${length} body bytes`,
        );
      }
      return end;
    }
    return ended ? { status, headers, body: buf.subarray(bodyStart) } : Number.POSITIVE_INFINITY;
  }
}

function parseHead(buf: Buffer, offset: number, ended: boolean): Head | undefined {
  const end = buf.indexOf(HEAD_END, offset);
  if (end < 0) {
    if (buf.length - offset > MAX_HEAD) throw new HttpParseError("the header section is too large");
    if (ended) {
      throw new HttpParseError(
        buf.length === offset
          ? "the connection closed without an answer"
          : "the connection closed inside the headers",
      );
    }
    return undefined;
  }
  const lines = buf.toString("latin1", offset, end).split("\r\n");
  const statusLine = lines[0] ?? "";
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new HttpParseError(`bad status line "${statusLine.slice(0, 80)}"`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /[\s]/.test(line[0] ?? ""))
      throw new HttpParseError(`bad header line "${line.slice(0, 80)}"`);
    const name = line.slice(0, colon).toLowerCase();
    if (/\s/.test(name)) throw new HttpParseError(`bad header name "${name.slice(0, 80)}"`);
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    if (prev !== undefined && name === "content-length" && prev !== value) {
      throw new HttpParseError("conflicting content-length headers");
    }
    headers[name] = prev === undefined || name === "content-length" ? value : `${prev}, ${value}`;
  }
  return { status: Number(m[1]), headers, bodyStart: end + HEAD_END.length };
}

/** The decoded body once the last chunk (and trailers) are in; undefined while incomplete. */
function parseChunked(buf: Buffer, start: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, pos);
    if (lineEnd < 0) {
      if (buf.length - pos > 1024) throw new HttpParseError("a chunk size line is too long");
      return undefined;
    }
    // The size, then optional ";extension"s (ignored).
    const sizeText = buf.toString("latin1", pos, lineEnd).split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText))
      throw new HttpParseError(`bad chunk size "${sizeText.slice(0, 20)}"`);
    const size = Number.parseInt(sizeText, 16);
    pos = lineEnd + CRLF.length;
    if (size === 0) {
      // Trailer fields (ignored) end with an empty line.
      const trailerEnd = buf.indexOf(CRLF, pos) === pos ? pos : buf.indexOf(HEAD_END, pos);
      return trailerEnd < 0 ? undefined : Buffer.concat(parts);
    }
    if (buf.length < pos + size + CRLF.length) return undefined;
    if (buf[pos + size] !== 0x0d || buf[pos + size + 1] !== 0x0a) {
      throw new HttpParseError("a chunk is not followed by CRLF");
    }
    parts.push(buf.subarray(pos, pos + size));
    pos += size + CRLF.length;
  }
}
