// list-sessions, revoke-session(s), revoke-other-sessions, change-password and the session
// lifetime rules, with several browsers signed in as one user. The cookie cache is off
// (KRAG_COOKIE_CACHE=0) so that a revoked session is gone at the next get-session; with the
// cache on, Better Auth and Krag both keep answering from the cache for up to its max age
// (spec §4.5). The session-lifetime tests edit session rows in Krag's database, whichever
// COMPAT_DATABASE selects.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SESSION_COOKIE, TOKEN_RE, assertError, assertOK, signIn, signUp, startKrag,
} from './harness.mjs';

const krag = await startKrag({ env: { KRAG_COOKIE_CACHE: '0' } });
const NULL = { data: null, error: null };

describe('list-sessions and revoking (§2.6-§2.9)', () => {
  test('list-sessions shows the own token and opaque handles for the others; revoke-session takes either', async () => {
    const { browser: a, email, password } = await signUp(krag, { label: 'list' });
    const b = await signIn(krag, email, password);
    const c = await signIn(krag, email, password);

    const list = assertOK(await a.client.listSessions());
    assert.equal(list.length, 3);
    const own = list.filter((s) => s.token === a.sessionToken());
    assert.equal(own.length, 1, 'the caller sees its own real token');
    const others = list.filter((s) => s !== own[0]);
    for (const s of list) {
      assert.deepEqual(Object.keys(s).sort(),
        ['createdAt', 'expiresAt', 'id', 'impersonatedBy', 'ipAddress', 'token', 'updatedAt', 'userAgent', 'userId']);
      assert.ok(s.expiresAt instanceof Date && s.createdAt instanceof Date);
      assert.equal(s.userId, own[0].userId);
    }
    // Krag stores tokens hashed, so it lists other sessions by handle (Better Auth lists raw tokens).
    for (const s of others) {
      assert.match(s.token, /^ks_/);
      assert.ok(![b.sessionToken(), c.sessionToken()].includes(s.token));
    }
    const bID = assertOK(await b.client.getSession()).session.id;
    const bHandle = others.find((s) => s.id === bID).token;

    assert.deepEqual(assertOK(await a.client.revokeSession({ token: bHandle })), { status: true });
    assert.deepEqual(await b.client.getSession(), NULL);
    assert.ok(assertOK(await a.client.getSession()));
    assert.ok(assertOK(await c.client.getSession()));

    // A raw token works too.
    assert.deepEqual(assertOK(await a.client.revokeSession({ token: c.sessionToken() })), { status: true });
    assert.deepEqual(await c.client.getSession(), NULL);
    assert.deepEqual(assertOK(await a.client.listSessions()).map((s) => s.token), [a.sessionToken()]);

    // Revoking the caller's own session also expires its cookie.
    assert.deepEqual(assertOK(await a.client.revokeSession({ token: a.sessionToken() })), { status: true });
    assert.equal(a.jar.get(SESSION_COOKIE), undefined);
    assert.deepEqual(await a.client.getSession(), NULL);
  });

  test("revoke-session leaves other users' sessions alone", async () => {
    const a = await signUp(krag, { label: 'victim' });
    const mallory = await signUp(krag, { label: 'mallory' });
    const handle = `ks_${assertOK(await a.browser.client.getSession()).session.id}`;
    for (const token of [handle, a.browser.sessionToken()]) {
      assert.deepEqual(assertOK(await mallory.browser.client.revokeSession({ token })), { status: true });
    }
    assert.ok(assertOK(await a.browser.client.getSession()));
    assert.ok(assertOK(await mallory.browser.client.getSession()));
  });

  test('revoke-other-sessions keeps only the caller', async () => {
    const { browser: a, email, password } = await signUp(krag, { label: 'others' });
    const b = await signIn(krag, email, password);
    const cookie = a.jar.get(SESSION_COOKIE);
    assert.deepEqual(assertOK(await a.client.revokeOtherSessions()), { status: true });
    assert.equal(a.jar.get(SESSION_COOKIE), cookie, 'the caller keeps its cookie');
    assert.deepEqual(await b.client.getSession(), NULL);
    assert.ok(assertOK(await a.client.getSession()));
    assert.equal(assertOK(await a.client.listSessions()).length, 1);
  });

  test('revoke-sessions ends every session, the caller\'s included', async () => {
    const { browser: a, email, password } = await signUp(krag, { label: 'all' });
    const b = await signIn(krag, email, password);
    assert.deepEqual(assertOK(await a.client.revokeSessions()), { status: true });
    assert.equal(a.jar.get(SESSION_COOKIE), undefined, 'the caller\'s cookie is expired');
    assert.deepEqual(await a.client.getSession(), NULL);
    assert.deepEqual(await b.client.getSession(), NULL);
  });

  test('they need a session: 401 UNAUTHORIZED', async () => {
    const b = krag.browser();
    assertError(await b.client.listSessions(), 401, 'UNAUTHORIZED', 'Unauthorized');
    assertError(await b.client.revokeSession({ token: 'x' }), 401, 'UNAUTHORIZED');
    assertError(await b.client.revokeOtherSessions(), 401, 'UNAUTHORIZED');
    assertError(await b.client.revokeSessions(), 401, 'UNAUTHORIZED');
  });
});

describe('change-password (§2.13)', () => {
  test('a wrong current password is 400 INVALID_PASSWORD and changes nothing', async () => {
    const { browser: a, email, password } = await signUp(krag, { label: 'cp-wrong' });
    assertError(await a.client.changePassword({ currentPassword: 'Wrong-Passw0rd!', newPassword: 'Other-Passw0rd!' }),
      400, 'INVALID_PASSWORD', 'Invalid password');
    assertError(await a.client.changePassword({ currentPassword: password, newPassword: 'short' }),
      400, 'PASSWORD_TOO_SHORT', 'Password too short');
    await signIn(krag, email, password);
  });

  test('the new password replaces the old one; other sessions survive without revokeOtherSessions', async () => {
    const { browser: a, email, password, data: signed } = await signUp(krag, { label: 'cp' });
    const b = await signIn(krag, email, password);
    const data = assertOK(await a.client.changePassword({ currentPassword: password, newPassword: 'Fresh-Passw0rd!' }));
    assert.equal(data.token, null);
    assert.equal(data.user.email, email);
    assert.equal(data.user.id, signed.user.id);
    assertError(await krag.browser().client.signIn.email({ email, password }), 401, 'INVALID_EMAIL_OR_PASSWORD');
    await signIn(krag, email, 'Fresh-Passw0rd!');
    assert.ok(assertOK(await a.client.getSession()));
    assert.ok(assertOK(await b.client.getSession()));
  });

  test('revokeOtherSessions ends the other sessions and gives the caller a new token', async () => {
    const { browser: a, email, password } = await signUp(krag, { label: 'cp-revoke' });
    const b = await signIn(krag, email, password);
    const oldCookie = a.jar.get(SESSION_COOKIE);
    const data = assertOK(await a.client.changePassword({
      currentPassword: password, newPassword: 'Fresh-Passw0rd!', revokeOtherSessions: true,
    }));
    assert.match(data.token, TOKEN_RE);
    assert.equal(data.user.email, email);
    assert.equal(a.sessionToken(), data.token, 'the new session cookie is set');
    assert.equal(assertOK(await a.client.getSession()).session.token, data.token);
    assert.deepEqual(await b.client.getSession(), NULL);
    // The caller's previous session was deleted too.
    const replay = krag.browser();
    replay.jar.set(SESSION_COOKIE, oldCookie);
    assert.deepEqual(await replay.client.getSession(), NULL);
  });
});

describe('session lifetime (§4.5, §4.6, §2.15)', () => {
  const DAY = 86400e3;
  // Dates are written as Better Auth writes them (spec §7.3): ISO-8601 text on SQLite,
  // timestamp(3) on MySQL, timestamptz on PostgreSQL (krag.db converts the Date).
  const setSession = async (id, fields) => {
    for (const [k, v] of Object.entries(fields)) {
      const changed = await krag.db.run(`UPDATE "session" SET "${k}" = ? WHERE "id" = ?`, [v, id]);
      assert.equal(changed, 1, `session ${id}`);
    }
  };

  test('a session last extended over a day ago slides; a stale one is not fresh; an expired one is gone', async () => {
    const { browser: a } = await signUp(krag, { label: 'lifetime' });
    const { id } = assertOK(await a.client.getSession()).session;
    const cookie = a.jar.get(SESSION_COOKIE);

    // Created two days ago, expiring in five: get-session pushes expiry to now + 7 days and
    // re-sends the same cookie.
    await setSession(id, { createdAt: new Date(Date.now() - 2 * DAY), expiresAt: new Date(Date.now() + 5 * DAY) });
    const before = Date.now();
    const s = assertOK(await a.client.getSession());
    const ahead = s.session.expiresAt - before;
    assert.ok(ahead > 7 * DAY - 60e3 && ahead <= 7 * DAY + 60e3, `expires in ${ahead / DAY} days`);
    assert.ok(a.jar.lastSetCookie.includes(`${SESSION_COOKIE}=${cookie}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`),
      `Set-Cookie: ${a.jar.lastSetCookie.join(' | ')}`);

    // Two days old is not fresh (freshAge is one day).
    assertError(await a.client.listSessions(), 403, 'SESSION_NOT_FRESH', 'Session is not fresh');
    assertError(await a.client.deleteUser({}), 400, 'SESSION_EXPIRED',
      'Session expired. Re-authenticate to perform this action.');

    // Expired: get-session answers null, expires the cookies and deletes the row.
    await setSession(id, { expiresAt: new Date(Date.now() - 60e3) });
    assert.deepEqual(await a.client.getSession(), NULL);
    assert.ok(a.jar.lastSetCookie.includes(`${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`));
    assert.equal(a.jar.get(SESSION_COOKIE), undefined);
    const [{ n }] = await krag.db.all('SELECT count(*) AS n FROM "session" WHERE "id" = ?', [id]);
    assert.equal(Number(n), 0);
  });
});
