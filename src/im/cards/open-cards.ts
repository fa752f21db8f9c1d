/**
 * Cards still open on the platform, in `state/im/open-cards.json`, so a bridge that stopped
 * abruptly (daemon killed) finalizes them at its next start instead of leaving them "processing".
 * Writes are coalesced (one in flight, the latest content next); a lost write costs at most one
 * card left open, never a message.
 */
import { join } from "node:path";
import { isRecord, readJsonFile, writeJsonFile } from "../state-file.js";

export interface OpenCardRecord {
  card_id: string;
  chat_id: string;
  /** The reply stream, or `working:<event id>` for a working card. */
  stream_id: string;
  title: string;
  /** The streamed text so far (without the activity line). */
  text: string;
  at: string;
}

interface FileShape {
  v: 1;
  open: OpenCardRecord[];
}

function isShape(v: unknown): v is FileShape {
  return (
    isRecord(v) && Array.isArray(v.open) && v.open.every((r) => isRecord(r) && typeof r.card_id === "string")
  );
}

export class OpenCards {
  private readonly file: string;
  private readonly open = new Map<string, OpenCardRecord>();
  private writing: Promise<void> | undefined;
  private again = false;

  constructor(
    stateDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.file = join(stateDir, "open-cards.json");
  }

  /** What the file says was open (a corrupt file is logged and treated as empty). */
  async load(): Promise<OpenCardRecord[]> {
    try {
      return (await readJsonFile<FileShape>(this.file, { v: 1, open: [] }, isShape)).open;
    } catch (error) {
      this.log(`[cards] ${(error as Error).message}`);
      return [];
    }
  }

  set(record: OpenCardRecord): void {
    this.open.set(record.card_id, record);
    this.save();
  }

  delete(cardId: string): void {
    if (this.open.delete(cardId)) this.save();
  }

  /** Drop recovered records from the file too. */
  replaceAll(records: OpenCardRecord[]): void {
    this.open.clear();
    for (const r of records) this.open.set(r.card_id, r);
    this.save();
  }

  /** Resolves when the file holds the current set. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private save(): void {
    if (this.writing) {
      this.again = true;
      return;
    }
    const body: FileShape = { v: 1, open: [...this.open.values()] };
    this.writing = writeJsonFile(this.file, body)
      .catch((error: unknown) => this.log(`[cards] ${(error as Error).message}`))
      .finally(() => {
        this.writing = undefined;
        if (this.again) {
          this.again = false;
          this.save();
        }
      });
  }
}
