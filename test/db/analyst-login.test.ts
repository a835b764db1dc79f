import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_GROUP_ROLE, ensureAnalystLogin } from '#shared/db/analyst-login.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

/** Roles are per cluster, not per database: each test names its own and drops it afterwards. */
const created: string[] = [];
const roleName = () => {
  const name = `analyst_${randomBytes(4).toString('hex')}`;
  created.push(name, `${name}_clone`);
  return name;
};
const password = () => randomBytes(18).toString('base64url');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // Until migration 0010 is on main: the group role it creates (cluster-wide, so only if missing).
  await db.sql`
    DO $$ BEGIN
      CREATE ROLE market_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$`;
});
afterAll(async () => {
  for (const name of created)
    await db.sql`SELECT 1 FROM pg_roles WHERE rolname = ${name}`.then(async (rows) => {
      if (rows.length > 0) await db.sql.unsafe(`DROP ROLE "${name}"`);
    });
  await db.drop();
});

/** A connection to the test database as `user`, over the same verified TLS. */
async function connectAs(user: string, secret: string): Promise<Sql> {
  const url = new URL(db.url);
  url.username = user;
  url.password = secret;
  const sql = createSql(url.toString(), { max: 1 });
  await sql`SELECT 1`;
  return sql;
}

describe('analyst login', () => {
  it('creates a login in market_reader whose transactions are read-only', async () => {
    // Prepare
    const login = { username: roleName(), password: password() };

    // Act
    await ensureAnalystLogin(db.sql, login);

    // Assess
    const analyst = await connectAs(login.username, login.password);
    try {
      const [row] = await analyst<{ member: boolean; readOnly: string }[]>`
        SELECT pg_has_role(current_user, ${ANALYST_GROUP_ROLE}, 'member') AS member,
               current_setting('default_transaction_read_only') AS "readOnly"`;
      expect(row).toEqual({ member: true, readOnly: 'on' });
      await expect(analyst`CREATE TABLE analyst_scratch (x int)`).rejects.toMatchObject({ code: '25006' });
    } finally {
      await analyst.end();
    }
  });

  it('sets the new password on an existing login, so a changed secret is the one that works', async () => {
    // Prepare
    const username = roleName();
    const [first, second] = [password(), password()];
    await ensureAnalystLogin(db.sql, { username, password: first });

    // Act
    await ensureAnalystLogin(db.sql, { username, password: second });

    // Assess
    await expect(connectAs(username, first)).rejects.toMatchObject({ code: '28P01' });
    const analyst = await connectAs(username, second);
    await analyst.end();
  });

  it('makes the rotation clone read-only too, without changing its password', async () => {
    // Prepare: what multi-user rotation does: a clone as a member of the first user.
    const username = roleName();
    const clonePassword = password();
    await ensureAnalystLogin(db.sql, { username, password: password() });
    await db.sql.unsafe(
      `CREATE ROLE "${username}_clone" LOGIN PASSWORD '${clonePassword}' IN ROLE "${username}"`,
    );

    // Act: the next deploy, with the secret now naming the first user again.
    await ensureAnalystLogin(db.sql, { username, password: password() });

    // Assess
    const clone = await connectAs(`${username}_clone`, clonePassword);
    try {
      const [row] = await clone<{ readOnly: string }[]>`
        SELECT current_setting('default_transaction_read_only') AS "readOnly"`;
      expect(row?.readOnly).toBe('on');
    } finally {
      await clone.end();
    }
  });
});
