import { describe, expect, it } from 'vitest';
import { redact } from '#shared/db/database.ts';

describe('redact', () => {
  it.each([
    ['postgres://app:s3cr@t@db.example:5432/market', 'postgres://app:***@db.example:5432/market'],
    ['postgres://app:a@b@c@localhost/db', 'postgres://app:***@localhost/db'],
    ['postgresql://app:pl%40in@localhost/db', 'postgresql://app:***@localhost/db'],
    [
      'postgres://app:x@localhost/db?sslmode=verify-full',
      'postgres://app:***@localhost/db?sslmode=verify-full',
    ],
  ])('hides the whole password of %s', (url, shown) => {
    // Act
    const redacted = redact(url);

    // Assess
    expect(redacted).toBe(shown);
  });

  it('hides a password given as a query parameter', () => {
    // Act
    const redacted = redact('postgres://app@localhost/db?password=s3cr@t&sslmode=require');

    // Assess
    expect(redacted).not.toContain('s3cr');
    expect(redacted).toBe('postgres://app@localhost/db?password=***&sslmode=require');
  });

  it('shows nothing of a URL that does not parse rather than guess where its password ends', () => {
    // Act
    const redacted = redact('postgres://app:p@ss:w/rd@db.example/market');

    // Assess
    expect(redacted).not.toContain('ss:w');
    expect(redacted).not.toContain('rd');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redact('postgres://localhost:5432/market')).toBe('postgres://localhost:5432/market');
  });
});
