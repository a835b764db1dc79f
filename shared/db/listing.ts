import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';

/**
 * After a fetch that returned an answer: stores the asset's listing date when the provider told one
 * (never later than `earliestBar`, the oldest bar it just sent, nor than a stored bar), lifts a delisting suspicion, and drops
 * what no longer holds with them - gap flags before the listing, the suspected_delisted flag. One
 * statement, and a no-op when nothing changed.
 * @returns the listing date now stored (null when still unknown).
 */
export async function noteAnswered(
  sql: Sql,
  assetId: number,
  told: { firstSession?: IsoDate; earliestBar?: IsoDate },
): Promise<IsoDate | null> {
  const candidates = [told.firstSession, told.earliestBar].filter((d): d is IsoDate => d !== undefined);
  const firstSession = told.firstSession === undefined ? null : (candidates.sort()[0] as IsoDate);
  const [row] = await sql<{ listedOn: IsoDate | null }[]>`
    WITH told AS (
      -- Never after a bar already stored: least() skips the null of an asset with nothing stored.
      SELECT least(${firstSession}::date,
                   (SELECT min(first_session) FROM asset_coverage WHERE asset_id = ${assetId})) AS first_session
      WHERE ${firstSession}::date IS NOT NULL
    ),
    changed AS (
      UPDATE assets SET listed_on = coalesce((SELECT first_session FROM told), listed_on),
                        delisting_suspected_at = NULL, updated_at = now()
      WHERE id = ${assetId}
        AND (listed_on IS DISTINCT FROM coalesce((SELECT first_session FROM told), listed_on)
             OR delisting_suspected_at IS NOT NULL)
      RETURNING id, listed_on
    ),
    cleared AS (
      DELETE FROM quality_flags f USING changed c
      WHERE f.asset_id = c.id
        AND ((f.kind = 'gap' AND f.session_date < c.listed_on) OR f.kind = 'suspected_delisted')
    )
    SELECT coalesce((SELECT listed_on FROM changed), (SELECT listed_on FROM assets WHERE id = ${assetId})) AS listed_on`;
  return row?.listedOn ?? null;
}

/**
 * Marks a long-known asset (one with stored bars) as suspected delisted, keeping the first time it was
 * suspected.
 * @returns the latest stored session when the asset is long-known, or null when it has no stored bar
 * (then nothing is marked: an unknown symbol is a configuration error, not a delisting).
 */
export async function suspectDelisting(sql: Sql, assetId: number): Promise<IsoDate | null> {
  const [row] = await sql<{ latest: IsoDate }[]>`
    WITH known AS (SELECT max(latest_session) AS latest FROM asset_coverage WHERE asset_id = ${assetId})
    UPDATE assets SET delisting_suspected_at = coalesce(delisting_suspected_at, now()), updated_at = now()
    FROM known WHERE id = ${assetId} AND known.latest IS NOT NULL
    RETURNING known.latest`;
  return row?.latest ?? null;
}
