import DOMPurify from "dompurify";
import { marked } from "marked";
import { memo, useMemo } from "react";
import { highlightExtension } from "./highlight.ts";

// Fenced code blocks are highlighted (highlight.js spans; DOMPurify below keeps span + class).
marked.use(highlightExtension);

// Links open in a new tab and never pass the opener.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** A message's text as GitHub-flavoured markdown (marked), sanitized (DOMPurify) before it reaches the DOM. */
export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(
    () => DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true, breaks: true })),
    [text],
  );
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML is sanitized by DOMPurify just above.
  return <div className={`markdown ${className ?? ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
});
