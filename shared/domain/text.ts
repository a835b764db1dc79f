/*
 * Provider text (error descriptions, timezone names, symbols, body excerpts) is stored in task errors,
 * warnings and quality flags, logged, and printed by the CLI. A provider — or anyone between it and us —
 * can put terminal escapes in it (ESC ] 0 retitles the window, ESC [ 2 J clears the screen, OSC 52
 * writes the clipboard) or make it a megabyte long. Both are removed where the text enters.
 */

/** C0 controls, DEL and C1 controls (U+0080-U+009F: 8-bit CSI and OSC are escapes in some terminals). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** Longest provider text kept in a task error or warning: enough for a reason, never a whole body. */
export const MAX_REASON_LENGTH = 500;

/**
 * `text` on one line with every control character replaced by a space and runs of white space
 * collapsed, cut to `maxLength` characters (the last one an ellipsis when cut). Never throws.
 */
export function cleanText(text: string, maxLength: number = MAX_REASON_LENGTH): string {
  // Cut before cleaning as well, so a megabyte of input costs a bounded amount of work.
  const head = text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text;
  const clean = head.replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
  const cut = clean.length > maxLength || head.length < text.length;
  if (!cut) return clean;
  return `${clean.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…`;
}

/**
 * `text` safe to write to a terminal: line breaks kept, every other control character (ESC among
 * them) shown as U+FFFD, so that nothing a provider sent can drive the terminal. For CLI output.
 */
export function printableText(text: string): string {
  return text.replace(CONTROLS_BUT_NEWLINE, '\uFFFD');
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but writes C1 ones (U+0080-U+009F) raw;
 * these are escaped too, so the document stays valid JSON with the same value.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
