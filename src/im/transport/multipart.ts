/**
 * multipart/form-data encoding (RFC 7578) for uploads, without `FormData` (which loads undici):
 * text fields and files, encoded into one buffer with a random boundary.
 */
import { randomBytes } from "node:crypto";

export type FormField = { name: string; value: string } | FormFile;

export interface FormFile {
  name: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface EncodedForm {
  contentType: string;
  body: Buffer;
}

export function encodeMultipart(fields: FormField[]): EncodedForm {
  const boundary = `----cccc${randomBytes(12).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const field of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(field.name)}"`;
    if ("data" in field) {
      head += `; filename="${quote(field.filename)}"\r\nContent-Type: ${field.contentType.replace(/[\r\n]/g, "")}`;
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`, "utf8"));
    parts.push("data" in field ? field.data : Buffer.from(field.value, "utf8"));
    parts.push(Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/** What browsers do with a quote or line break in a field or file name (HTML's form encoding). */
function quote(s: string): string {
  return s.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}
