// Krag serves a database written by Better Auth 1.7.25 (shared/fixtures/better-auth-1.7.sqlite,
// described in its README.md and better-auth-1.7.json): `krag migrate` on a copy, then
// `krag serve` with the fixture's secret. The users' passwords and alice's live session cookie
// must keep working.
//
// The fixture is a SQLite file, so these tests exist only when COMPAT_DATABASE is sqlite (the
// default). On MySQL and PostgreSQL the file registers no test at all (not skipped ones: CI
// counts a skip as a failure); adopt.test.mjs covers adoption there.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  DATABASE, SESSION_COOKIE, TOKEN_RE, assertError, assertOK, runKrag, startKrag, tempDir,
} from './harness.mjs';

if (DATABASE === 'sqlite') {
  // The fixtures live in shared/ beside the repository; KRAG_FIXTURES may point elsewhere.
  const fixtures = process.env.KRAG_FIXTURES ?? fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));
  const dbFixture = join(fixtures, 'better-auth-1.7.sqlite');
  if (!existsSync(dbFixture)) {
    throw new Error(`fixture ${dbFixture} not found: set KRAG_FIXTURES to the directory holding better-auth-1.7.sqlite`);
  }
  const fixture = JSON.parse(readFileSync(join(fixtures, 'better-auth-1.7.json'), 'utf8'));
  const user = Object.fromEntries(fixture.users.map((u) => [u.email.split('@')[0], u]));

  const dbPath = join(tempDir(), 'better-auth.sqlite');
  copyFileSync(dbFixture, dbPath);
  runKrag(['migrate', '--database', `sqlite:${dbPath}`]);

  // Alice's session may have expired since the fixture was made: move it a week ahead (the same
  // ISO text Better Auth writes, spec §7.3).
  const liveUntil = new Date(Date.now() + 7 * 86400e3);
  {
    const db = new Database(dbPath);
    const info = db.prepare('UPDATE "session" SET "expiresAt" = ? WHERE "token" = ?')
      .run(liveUntil.toISOString(), user.alice.session.token);
    db.close();
    assert.equal(info.changes, 1, "alice's session row");
  }

  const krag = await startKrag({ secret: fixture.betterAuthSecret, dbPath });

  for (const name of ['alice', 'bob', 'erin']) {
    test(`${name} signs in with the password Better Auth stored`, async () => {
      const b = krag.browser();
      const data = assertOK(await b.client.signIn.email({ email: user[name].email, password: user[name].password }));
      assert.match(data.token, TOKEN_RE);
      assert.equal(data.user.id, user[name].id);
      assert.equal(data.user.email, user[name].email);
      assert.equal(b.sessionToken(), data.token);
      const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
      assert.equal(s.user.id, user[name].id);
    });
  }

  test("alice's additional fields come from Better Auth's columns", async () => {
    const b = krag.browser();
    const { user: u } = assertOK(await b.client.signIn.email({ email: user.alice.email, password: user.alice.password }));
    const a = user.alice;
    assert.deepEqual(
      [u.firstName, u.lastName, u.phoneNumber, u.roleId, u.isActive, u.emailVerified],
      [a.firstName, a.lastName, a.phoneNumber, a.roleId, a.isActive, a.emailVerified],
    );
    assert.ok(u.createdAt instanceof Date);
  });

  test("erin's old password fails", async () => {
    assertError(await krag.browser().client.signIn.email({ email: user.erin.email, password: user.erin.oldPassword }),
      401, 'INVALID_EMAIL_OR_PASSWORD', 'Invalid email or password');
  });

  test('frank (isActive false) is refused with 403 USER_INACTIVE', async () => {
    const b = krag.browser();
    assertError(await b.client.signIn.email({ email: user.frank.email, password: user.frank.password }),
      403, 'USER_INACTIVE', 'User account is inactive');
    assert.equal(b.jar.get(SESSION_COOKIE), undefined);
  });

  test('grace (magic link, no password) gets 401 INVALID_EMAIL_OR_PASSWORD', async () => {
    assertError(await krag.browser().client.signIn.email({ email: user.grace.email, password: 'grace-Passw0rd!' }),
      401, 'INVALID_EMAIL_OR_PASSWORD', 'Invalid email or password');
  });

  test("dave, banned by Better Auth's admin plugin, is refused with 403 BANNED_USER", async () => {
    const b = krag.browser();
    assertError(await b.client.signIn.email({ email: user.dave.email, password: user.dave.password }),
      403, 'BANNED_USER',
      'You have been banned from this application. Please contact support if you believe this is an error.');
    assert.equal(b.jar.get(SESSION_COOKIE), undefined);
  });

  test("alice's live session cookie from Better Auth works", async () => {
    const b = krag.browser();
    const a = user.alice;
    b.jar.set(SESSION_COOKIE, encodeURIComponent(a.session.signedCookieValue));
    for (const query of [{}, { disableCookieCache: true }]) {
      const s = assertOK(await b.client.getSession({ query }));
      assert.ok(s, 'a session');
      assert.equal(s.session.token, a.session.token);
      assert.equal(s.session.userId, a.id);
      assert.equal(s.session.expiresAt.getTime(), liveUntil.getTime());
      assert.equal(s.user.email, a.email);
      assert.equal(s.user.roleId, a.roleId);
    }
  });
}
