/**
 * The C0 controls, DEL and C1 controls in `text` as code points (ESC is 27, BEL 7, the 8-bit CSI 155),
 * written without a regular expression so that it does not share the code under test. `allow` lists
 * the ones expected, e.g. [10] for line breaks in printed output.
 */
export function controlCharactersIn(text: string, allow: readonly number[] = []): number[] {
  const found: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (control && !allow.includes(code)) found.push(code);
  }
  return found;
}
