/**
 * The largest body the client reads. A 30-year daily chart is about 1.1 MB (Yahoo writes ~102 bytes per
 * bar, e.g. the 2020 BTC-USD recording: 37,703 bytes for 370 bars; 30 years of a 24/7 market is
 * ~10,960 bars), so 4 MiB leaves close to four times that while ten bodies at once stay far below a
 * 512 MB function (a 50 MiB body peaked at 1.1 GB RSS for ten records).
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export type BodyRead = { ok: true; body: string } | { ok: false; reason: string };

/**
 * Reads `response`'s body as UTF-8, stopping (and cancelling the stream, which closes the connection)
 * as soon as it passes `maxBytes`: a Content-Length above the cap is refused before any byte is read.
 * Throws what the stream throws (a timeout, a reset connection), like `response.text()`.
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<BodyRead> {
  const tooLarge = (seen: string): BodyRead => ({
    ok: false,
    reason: `response body is larger than the ${mib(maxBytes)} cap (${seen}); stopped reading`,
  });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return tooLarge(`Content-Length ${declared} bytes`);
  }
  if (response.body === null) return { ok: true, body: '' };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(`more than ${bytes} bytes sent`);
    }
    chunks.push(value);
  }
  // One decode of the whole body (as a streaming decode of its chunks would give): one flat string
  // for JSON.parse, not a rope of a string per chunk.
  return { ok: true, body: new TextDecoder().decode(Buffer.concat(chunks, bytes)) };
}

function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return Number.isInteger(value) ? `${value} MiB` : `${bytes} bytes`;
}
