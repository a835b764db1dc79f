import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, printableText, terminalJson } from '#shared/domain/text.ts';
import { controlCharactersIn } from '#test/support/control-characters.ts';

/** Strings with every kind of control character mixed in, C1 and DEL included. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x200 }).map((c) => String.fromCharCode(c)),
    fc.constant('\u001b]52;c;'),
  ),
  maxLength: 400,
});

describe('cleanText', () => {
  it('leaves no control character and never more than maxLength characters', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 300 }), (text, max) => {
        const clean = cleanText(text, max);
        expect(controlCharactersIn(clean)).toEqual([]);
        expect(clean.length).toBeLessThanOrEqual(max);
      }),
    );
  });

  it('keeps the words around an escape sequence and marks a cut with an ellipsis', () => {
    // Prepare
    const text = 'Not Found:\u001b]0;owned\u0007 No data\nfound\u009b31m';

    // Act
    const whole = cleanText(text, 100);
    const cut = cleanText('A'.repeat(1_000_000), 500);

    // Assess
    expect(whole).toBe('Not Found: ]0;owned No data found 31m');
    expect(cut).toBe(`${'A'.repeat(499)}…`);
  });
});

describe('printableText and terminalJson', () => {
  it('keep line breaks and nothing else that could drive a terminal', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(controlCharactersIn(printableText(text), [10])).toEqual([]);
      }),
    );
  });

  it('write JSON with every control character escaped, which parses back to the same value', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const json = terminalJson({ error: text });
        expect(controlCharactersIn(json)).toEqual([]);
        expect(JSON.parse(json)).toEqual({ error: text });
      }),
    );
  });
});
