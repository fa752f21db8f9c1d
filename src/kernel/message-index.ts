/**
 * The group's index of every `chat.message` in its ledger: id → seq (exact lookups and the 8-character
 * prefixes agents see) and idempotency key → seq. It holds every message of the ledger, so it is kept
 * in typed arrays, not string maps: three Maps with an id, a prefix and a key string per message were
 * ~0.3 KiB a message (docs/bench.md, "Ingest memory after a burst"); here ~30–60 bytes.
 *
 * - Ids as the ledger makes them (32 lowercase hex characters, 128 random bits) are stored as four
 *   32-bit words in an open-addressing table whose slot is the first word (already random). Exact:
 *   all 128 bits are compared. Any other id (a hand-written ledger) goes to a plain Map.
 * - Idempotency keys are stored as a 32-bit FNV-1a hash with the seq: a lookup gives candidate seqs,
 *   which the caller confirms by reading the event (a hash collision costs one read, never a
 *   wrong answer).
 */

const HEX_LEN = 32;
const EMPTY = 0;
const MAX_SEQ = 0xffff_ffff;

export class MessageIndex {
  private idWords = new Uint32Array(4 * 256);
  private idSeqs = new Uint32Array(256);
  private ids = 0;
  private keyHashes = new Uint32Array(256);
  private keySeqs = new Uint32Array(256);
  private keys = 0;
  /** Ids that are not 32 lowercase hex characters, or whose seq does not fit the table. */
  private readonly otherIds = new Map<string, number>();
  private readonly otherKeys = new Map<string, number[]>();
  private readonly word = new Uint32Array(4);

  /** Messages indexed. */
  get size(): number {
    return this.ids + this.otherIds.size;
  }

  add(id: string, seq: number, key: string | undefined): void {
    const fits = Number.isInteger(seq) && seq > EMPTY && seq <= MAX_SEQ;
    if (fits && parseHexId(id, this.word)) this.addId(this.word, seq);
    else this.otherIds.set(id, seq);
    if (key === undefined) return;
    if (fits) this.addKey(fnv1a(key), seq);
    else {
      const seqs = this.otherKeys.get(key);
      if (seqs) seqs.push(seq);
      else this.otherKeys.set(key, [seq]);
    }
  }

  /** The seq of the message with exactly this id. */
  seqOf(id: string): number | undefined {
    if (!parseHexId(id, this.word)) return this.otherIds.get(id);
    const w = this.word;
    const mask = this.idSeqs.length - 1;
    for (let s = (w[0] ?? 0) & mask; this.idSeqs[s] !== EMPTY; s = (s + 1) & mask) {
      const at = 4 * s;
      if (
        this.idWords[at] === w[0] &&
        this.idWords[at + 1] === w[1] &&
        this.idWords[at + 2] === w[2] &&
        this.idWords[at + 3] === w[3]
      )
        return this.idSeqs[s];
    }
    return this.otherIds.get(id);
  }

  /** Ids of the messages starting with `prefix` (at least 8 characters), with their seqs. */
  withPrefix(prefix: string): { id: string; seq: number }[] {
    const out: { id: string; seq: number }[] = [];
    if (prefix.length >= 8 && prefix.length <= HEX_LEN && isLowerHex(prefix)) {
      const first = Number.parseInt(prefix.slice(0, 8), 16) >>> 0;
      const mask = this.idSeqs.length - 1;
      for (let s = first & mask; this.idSeqs[s] !== EMPTY; s = (s + 1) & mask) {
        if (this.idWords[4 * s] !== first) continue;
        const id = hexOf(this.idWords, 4 * s);
        if (id.startsWith(prefix)) out.push({ id, seq: this.idSeqs[s] ?? 0 });
      }
    }
    for (const [id, seq] of this.otherIds) if (id.startsWith(prefix)) out.push({ id, seq });
    return out;
  }

  /** Seqs of messages whose idempotency key may be `key` (same hash), newest first: confirm each. */
  keyCandidates(key: string): number[] {
    const out: number[] = [];
    const h = fnv1a(key);
    const mask = this.keySeqs.length - 1;
    for (let s = h & mask; this.keySeqs[s] !== EMPTY; s = (s + 1) & mask) {
      if (this.keyHashes[s] === h) out.push(this.keySeqs[s] ?? 0);
    }
    for (const seq of this.otherKeys.get(key) ?? []) out.push(seq);
    return out.sort((a, b) => b - a);
  }

  private addId(w: Uint32Array, seq: number): void {
    if (2 * (this.ids + 1) > this.idSeqs.length) this.growIds();
    const mask = this.idSeqs.length - 1;
    let s = (w[0] ?? 0) & mask;
    while (this.idSeqs[s] !== EMPTY) s = (s + 1) & mask;
    this.idWords.set(w, 4 * s);
    this.idSeqs[s] = seq;
    this.ids++;
  }

  private growIds(): void {
    const words = this.idWords;
    const seqs = this.idSeqs;
    this.idWords = new Uint32Array(words.length * 2);
    this.idSeqs = new Uint32Array(seqs.length * 2);
    this.ids = 0;
    for (let s = 0; s < seqs.length; s++) {
      const seq = seqs[s] ?? EMPTY;
      if (seq !== EMPTY) this.addId(words.subarray(4 * s, 4 * s + 4), seq);
    }
  }

  private addKey(h: number, seq: number): void {
    if (2 * (this.keys + 1) > this.keySeqs.length) this.growKeys();
    const mask = this.keySeqs.length - 1;
    let s = h & mask;
    while (this.keySeqs[s] !== EMPTY) s = (s + 1) & mask;
    this.keyHashes[s] = h;
    this.keySeqs[s] = seq;
    this.keys++;
  }

  private growKeys(): void {
    const hashes = this.keyHashes;
    const seqs = this.keySeqs;
    this.keyHashes = new Uint32Array(hashes.length * 2);
    this.keySeqs = new Uint32Array(seqs.length * 2);
    this.keys = 0;
    for (let s = 0; s < seqs.length; s++) {
      const seq = seqs[s] ?? EMPTY;
      if (seq !== EMPTY) this.addKey(hashes[s] ?? 0, seq);
    }
  }
}

/** A hex digit's value, or -1 (lowercase only: ids are lowercase, and lookups were case-sensitive). */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isLowerHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (hexDigit(s.charCodeAt(i)) < 0) return false;
  return true;
}

/** Four big-endian words of a 32-character lowercase hex id into `out`; false for any other string. */
export function parseHexId(id: string, out: Uint32Array): boolean {
  if (id.length !== HEX_LEN) return false;
  for (let w = 0; w < 4; w++) {
    let v = 0;
    for (let i = 8 * w; i < 8 * w + 8; i++) {
      const d = hexDigit(id.charCodeAt(i));
      if (d < 0) return false;
      v = (v << 4) | d;
    }
    out[w] = v >>> 0;
  }
  return true;
}

function hexOf(words: Uint32Array, at: number): string {
  let s = "";
  for (let w = at; w < at + 4; w++) s += (words[w] ?? 0).toString(16).padStart(8, "0");
  return s;
}

/** 32-bit FNV-1a over the UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
