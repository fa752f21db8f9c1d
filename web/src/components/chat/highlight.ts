/**
 * Syntax highlighting of fenced code blocks in chat markdown: highlight.js core with the languages
 * agents write most (a few KB each, not the whole 190-language bundle). A block names its language
 * (```ts); an unknown or missing one is left plain (escaped) rather than guessed.
 */

import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import type { MarkedExtension, Tokens } from "marked";

const LANGUAGES = { bash, css, diff, go, java, javascript, json, python, shell, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** `<pre><code class="hljs language-x">…</code></pre>` with highlight.js spans when the language is known. */
export function renderCode({ text, lang }: Tokens.Code): string {
  const name = (lang ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const known = name !== "" && hljs.getLanguage(name) !== undefined;
  const body = known
    ? hljs.highlight(text, { language: name, ignoreIllegals: true }).value
    : escapeHtml(text);
  const cls = known ? ` class="hljs language-${escapeHtml(name)}"` : "";
  return `<pre><code${cls}>${body}\n</code></pre>\n`;
}

export const highlightExtension: MarkedExtension = { renderer: { code: renderCode } };
