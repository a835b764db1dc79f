import { isoDateSchema } from '#shared/domain/daily-bar.ts';
import * as z from '#shared/domain/zod.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import { InvalidFetchRequestError } from './errors.ts';

/** What to fetch: one symbol, an inclusive range of session dates. */
export const fetchRequestSchema = z
  .object({
    symbol: z.string().check(z.trim(), z.minLength(1)),
    start: isoDateSchema,
    end: isoDateSchema,
    /** Zone to derive session dates in when the provider reports none (Yahoo's own zone wins). */
    timezone: z.optional(z.string().check(z.minLength(1))),
  })
  .check(z.refine((r) => r.start <= r.end, { message: 'end is before start', path: ['end'] }));

export type FetchRequest = z.input<typeof fetchRequestSchema>;

/** Validates a fetch request; throws InvalidFetchRequestError naming the provider and what is wrong. */
export function parseFetchRequest(
  provider: string,
  request: FetchRequest,
): z.infer<typeof fetchRequestSchema> {
  const parsed = fetchRequestSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issues = summariseIssues(parsed.error);
  throw new InvalidFetchRequestError(
    `${provider}: invalid fetch request ${JSON.stringify(request)}: ${issues}`,
    { cause: parsed.error },
  );
}
