import * as z from '#shared/domain/zod.ts';

/** The fields of the secret RDS generates (and its rotation function keeps) for a database user. */
export const rdsSecretSchema = z.object({
  host: z.string().check(z.minLength(1)),
  port: z.coerce.number().check(z.int(), z.positive()),
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
  dbname: z._default(z.string().check(z.minLength(1)), 'postgres'),
});
export type RdsSecret = z.infer<typeof rdsSecretSchema>;

export interface DbCredentials {
  /** The secret as read at cold start: where to connect, and as whom. */
  readonly first: RdsSecret;
  /**
   * The password for a new connection, read from Secrets Manager now (no cache). After a rotation the
   * next connection logs in with the new password; a connection refused with 28P01 during a rotation's
   * few seconds is followed by one that reads the secret again. If the read fails, the last password
   * read is used (a Secrets Manager outage must not stop a database that still accepts it).
   */
  password(): Promise<string>;
}

/**
 * Reads the database secret once (cold start; a failure throws to the caller) and then again for every
 * new connection. Why not a cached copy: a client that keeps one password wedges every new connection
 * with 28P01 after a rotation until the cache expires (or, as before, for the container's life), while
 * a read costs one GetSecretValue per new connection, and the Lambda pool opens at most two.
 * @throws ZodError when the secret lacks a field (then it is not an RDS database secret).
 */
export async function readDbCredentials(
  read: () => Promise<unknown>,
  onStaleFallback: (error: unknown) => void,
): Promise<DbCredentials> {
  const first = rdsSecretSchema.parse(await read());
  let last = first.password;
  let justRead = true; // the cold start's first connection uses the read it just made
  return {
    first,
    async password() {
      if (justRead) {
        justRead = false;
        return last;
      }
      try {
        last = rdsSecretSchema.parse(await read()).password;
      } catch (error) {
        onStaleFallback(error);
      }
      return last;
    },
  };
}
