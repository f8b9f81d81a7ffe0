// Sign-up, sign-in, get-session, update-user, sign-out, change-email, delete-user and the
// request-level errors, driven through the official better-auth client against `krag serve`
// with its shipped defaults (5-minute session cookie cache). Sections: shared/spec/better-auth-core.md.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { before, describe, test } from 'node:test';
import {
  SECRET, SESSION_COOKIE, TOKEN_RE, USER_AGENT,
  assertError, assertOK, newEmail, signIn, signUp, startKrag,
} from './harness.mjs';

const krag = await startKrag();
const PASSWORD = 'Compat-Passw0rd!';

const SESSION_KEYS = ['createdAt', 'expiresAt', 'id', 'impersonatedBy', 'ipAddress', 'token', 'updatedAt', 'userAgent', 'userId'];
const USER_KEYS = [
  'banExpires', 'banReason', 'banned', 'createdAt', 'email', 'emailVerified', 'firstName', 'id', 'image', 'isActive', 'lastName',
  'name', 'phoneNumber', 'role', 'roleId', 'updatedAt',
];

describe('sign-up with the seed fields (§2.2, §6.3)', () => {
  test('firstName, lastName and phoneNumber are stored and returned', async () => {
    const b = krag.browser();
    const email = newEmail('fields');
    const data = assertOK(await b.client.signUp.email({
      name: 'Ada Lovelace', email, password: PASSWORD,
      firstName: 'Ada', lastName: 'Lovelace', phoneNumber: '+15550100',
    }));
    assert.match(data.token, TOKEN_RE);
    const want = {
      name: 'Ada Lovelace', email, emailVerified: false, image: null,
      firstName: 'Ada', lastName: 'Lovelace', phoneNumber: '+15550100', role: 'user', isActive: true,
    };
    for (const [k, v] of Object.entries(want)) assert.deepEqual(data.user[k], v, `sign-up user.${k}`);
    // New users get the default role, "user": its id (a number, as the seed's roleId) and its name
    // (Better Auth's admin-plugin field).
    assert.ok(Number.isInteger(data.user.roleId) && data.user.roleId > 0, `sign-up user.roleId = ${data.user.roleId}`);
    const s = assertOK(await b.client.getSession());
    for (const [k, v] of Object.entries(want)) assert.deepEqual(s.user[k], v, `getSession user.${k}`);
    assert.equal(s.user.roleId, data.user.roleId);
    assert.equal(s.session.token, data.token);
  });

  test('roleId is refused with FIELD_NOT_ALLOWED and nothing is stored', async () => {
    const b = krag.browser();
    const email = newEmail('roleid');
    const res = await b.client.signUp.email({ name: 'R', email, password: PASSWORD, roleId: 1 });
    assertError(res, 400, 'FIELD_NOT_ALLOWED', 'roleId is not allowed to be set');
    assert.equal(b.jar.get(SESSION_COOKIE), undefined);
    // The email is still free.
    assertOK(await b.client.signUp.email({ name: 'R', email, password: PASSWORD }));
  });

  test('isActive: false is replaced by the default and the user can sign in', async () => {
    const b = krag.browser();
    const email = newEmail('isactive');
    const data = assertOK(await b.client.signUp.email({ name: 'I', email, password: PASSWORD, isActive: false }));
    assert.equal(data.user.isActive, true);
    const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
    assert.equal(s.user.isActive, true);
    await signIn(krag, email, PASSWORD);
  });

  test('a field of the wrong type is a VALIDATION_ERROR (Krag type-checks; Better Auth stores it)', async () => {
    const b = krag.browser();
    const res = await b.client.signUp.email({ name: 'T', email: newEmail('type'), password: PASSWORD, firstName: 5 });
    assertError(res, 400, 'VALIDATION_ERROR', '[body.firstName] Invalid input: expected string, received number');
  });
});

describe('sign-in and sign-up errors (§2.2, §2.3, §3.3)', () => {
  let user;
  before(async () => { user = await signUp(krag, { label: 'signin' }); });

  test('a good password signs in and sets the signed session cookie', async () => {
    const b = krag.browser();
    // The email is looked up lower-cased.
    const data = assertOK(await b.client.signIn.email({ email: user.email.toUpperCase(), password: user.password }));
    assert.equal(data.redirect, false);
    assert.ok(!('url' in data), 'no url without callbackURL');
    assert.match(data.token, TOKEN_RE);
    assert.notEqual(data.token, user.data.token);
    assert.equal(data.user.email, user.email);
    assert.equal(data.user.id, user.data.user.id);
    assert.ok(data.user.createdAt instanceof Date);

    const sig = createHmac('sha256', SECRET).update(data.token).digest('base64');
    const value = encodeURIComponent(`${data.token}.${sig}`);
    assert.equal(b.jar.get(SESSION_COOKIE), value);
    assert.ok(
      b.jar.lastSetCookie.includes(`${SESSION_COOKIE}=${value}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax`),
      `Set-Cookie: ${b.jar.lastSetCookie.join(' | ')}`,
    );
    const s = assertOK(await b.client.getSession());
    assert.equal(s.session.token, data.token);
  });

  test('rememberMe: false gives browser-session cookies and a dont_remember cookie', async () => {
    const b = krag.browser();
    assertOK(await b.client.signIn.email({ email: user.email, password: user.password, rememberMe: false }));
    const token = b.jar.get(SESSION_COOKIE);
    assert.ok(b.jar.lastSetCookie.includes(`${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`),
      `Set-Cookie: ${b.jar.lastSetCookie.join(' | ')}`);
    const sig = createHmac('sha256', SECRET).update('true').digest('base64');
    assert.equal(b.jar.get('better-auth.dont_remember'), encodeURIComponent(`true.${sig}`));
    const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
    const hours = (s.session.expiresAt - Date.now()) / 3600e3;
    assert.ok(hours > 23.9 && hours < 24.01, `a one-day session, expires in ${hours} h`);
  });

  test('callbackURL: a relative one comes back with redirect: true, a foreign one is 403', async () => {
    const b = krag.browser();
    const data = assertOK(await b.client.signIn.email({ email: user.email, password: user.password, callbackURL: '/dashboard' }));
    assert.equal(data.redirect, true);
    assert.equal(data.url, '/dashboard');
    assertError(await krag.browser().client.signIn.email({
      email: user.email, password: user.password, callbackURL: 'https://evil.example/',
    }), 403, 'INVALID_CALLBACK_URL', 'Invalid callbackURL');
  });

  test('a wrong password is 401 INVALID_EMAIL_OR_PASSWORD', async () => {
    const b = krag.browser();
    assertError(await b.client.signIn.email({ email: user.email, password: 'Wrong-Passw0rd!' }),
      401, 'INVALID_EMAIL_OR_PASSWORD', 'Invalid email or password');
    assert.deepEqual(b.jar.names(), []);
  });

  test('an unknown email is the same 401', async () => {
    const b = krag.browser();
    assertError(await b.client.signIn.email({ email: newEmail('nobody'), password: PASSWORD }),
      401, 'INVALID_EMAIL_OR_PASSWORD', 'Invalid email or password');
  });

  test('an invalid email is 400 INVALID_EMAIL at sign-in and VALIDATION_ERROR at sign-up', async () => {
    const b = krag.browser();
    assertError(await b.client.signIn.email({ email: 'not-an-email', password: PASSWORD }),
      400, 'INVALID_EMAIL', 'Invalid email');
    assertError(await b.client.signUp.email({ name: 'x', email: 'not-an-email', password: PASSWORD }),
      400, 'VALIDATION_ERROR', '[body.email] Invalid email address');
  });

  test('a taken email is 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL', async () => {
    const b = krag.browser();
    assertError(await b.client.signUp.email({ name: 'dup', email: user.email.toUpperCase(), password: PASSWORD }),
      422, 'USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL', 'User already exists. Use another email.');
  });

  test('a short password is 400 PASSWORD_TOO_SHORT', async () => {
    const b = krag.browser();
    assertError(await b.client.signUp.email({ name: 's', email: newEmail('short'), password: 'Short1!' }),
      400, 'PASSWORD_TOO_SHORT', 'Password too short');
  });
});

describe('get-session (§2.1, §2.5, §4.5)', () => {
  test('returns {session, user} with every field, dates as Date, from the cache and the database', async () => {
    const { browser: b, email, data: signed } = await signUp(krag, { label: 'shape', firstName: 'Sh', lastName: 'Ape' });
    for (const query of [{}, { disableCookieCache: true }]) {
      const s = assertOK(await b.client.getSession({ query }));
      assert.deepEqual(Object.keys(s).sort(), ['session', 'user']);
      assert.deepEqual(Object.keys(s.session).sort(), SESSION_KEYS);
      assert.deepEqual(Object.keys(s.user).sort(), USER_KEYS);
      for (const k of ['expiresAt', 'createdAt', 'updatedAt']) {
        assert.ok(s.session[k] instanceof Date, `session.${k} is a Date`);
      }
      for (const k of ['createdAt', 'updatedAt']) assert.ok(s.user[k] instanceof Date, `user.${k} is a Date`);
      assert.equal(s.session.token, signed.token);
      assert.equal(s.session.userId, signed.user.id);
      assert.equal(s.session.ipAddress, '');
      assert.equal(s.session.userAgent, USER_AGENT);
      const days = (s.session.expiresAt - s.session.createdAt) / 86400e3;
      assert.ok(Math.abs(days - 7) < 1e-6, `a 7-day session, got ${days} days`);
      assert.ok(Number.isInteger(s.user.roleId), `roleId = ${s.user.roleId}`);
      assert.deepEqual(
        { ...s.user, createdAt: 0, updatedAt: 0, id: 0, roleId: 0 },
        {
          id: 0, name: 'shape', email, emailVerified: false, image: null, createdAt: 0, updatedAt: 0,
          firstName: 'Sh', lastName: 'Ape', phoneNumber: null, roleId: 0, role: 'user', isActive: true,
          banned: false, banReason: null, banExpires: null,
        },
      );
    }
  });

  test('is null when signed out', async () => {
    const res = await krag.browser().client.getSession();
    assert.deepEqual(res, { data: null, error: null });
  });

  test('sends Cache-Control: no-store and Pragma: no-cache', async () => {
    const res = await krag.request('/get-session');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'null');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
  });
});

describe('update-user (§2.10)', () => {
  test('name and firstName change and get-session shows them, cached or not', async () => {
    const { browser: b } = await signUp(krag, { label: 'update', firstName: 'Old' });
    assert.deepEqual(assertOK(await b.client.updateUser({ name: 'New Name', firstName: 'Neo' })), { status: true });
    for (const query of [{}, { disableCookieCache: true }]) {
      const s = assertOK(await b.client.getSession({ query }));
      assert.equal(s.user.name, 'New Name');
      assert.equal(s.user.firstName, 'Neo');
    }
  });

  test('email, roleId, role and nothing-to-update are refused', async () => {
    const { browser: b, data } = await signUp(krag, { label: 'update-refused' });
    assertError(await b.client.updateUser({ email: newEmail('other') }),
      400, 'EMAIL_CAN_NOT_BE_UPDATED', 'Email can not be updated');
    assertError(await b.client.updateUser({ roleId: 2 }),
      400, 'FIELD_NOT_ALLOWED', 'roleId is not allowed to be set');
    assertError(await b.client.updateUser({ role: 'admin' }),
      400, 'FIELD_NOT_ALLOWED', 'role is not allowed to be set');
    // A falsy value of an input:false field is ignored, which leaves nothing to update.
    assertError(await b.client.updateUser({ isActive: false }), 400, undefined, 'No fields to update');
    const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
    assert.equal(s.user.roleId, data.user.roleId);
    assert.equal(s.user.role, 'user');
    assert.equal(s.user.isActive, true);
  });

  test('needs a session: 401 UNAUTHORIZED', async () => {
    assertError(await krag.browser().client.updateUser({ name: 'x' }), 401, 'UNAUTHORIZED', 'Unauthorized');
  });
});

describe('sign-out (§2.4)', () => {
  test('deletes the session and expires the cookies', async () => {
    const { browser: b } = await signUp(krag, { label: 'signout' });
    const cookie = b.jar.get(SESSION_COOKIE);
    assert.deepEqual(b.jar.names(), ['better-auth.session_data', SESSION_COOKIE]);
    assert.deepEqual(assertOK(await b.client.signOut()), { success: true });
    for (const name of [SESSION_COOKIE, 'better-auth.session_data', 'better-auth.dont_remember']) {
      assert.ok(b.jar.lastSetCookie.includes(`${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`),
        `${name} expired; Set-Cookie: ${b.jar.lastSetCookie.join(' | ')}`);
    }
    assert.deepEqual(b.jar.names(), []);
    assert.deepEqual(await b.client.getSession(), { data: null, error: null });
    // The old session cookie names a deleted session.
    const replay = krag.browser();
    replay.jar.set(SESSION_COOKIE, cookie);
    assert.deepEqual(await replay.client.getSession(), { data: null, error: null });
  });
});

describe('change-email and delete-user (§2.12, §2.15)', () => {
  test('change-email applies at once and unverifies; a taken or equal email changes nothing', async () => {
    const other = await signUp(krag, { label: 'taken' });
    const { browser: b, email } = await signUp(krag, { label: 'change-email' });
    const newAddr = newEmail('changed');
    assert.deepEqual(assertOK(await b.client.changeEmail({ newEmail: newAddr.toUpperCase() })), { status: true });
    for (const query of [{}, { disableCookieCache: true }]) {
      const s = assertOK(await b.client.getSession({ query }));
      assert.equal(s.user.email, newAddr);
      assert.equal(s.user.emailVerified, false);
    }
    // An address that belongs to someone else answers the same and changes nothing.
    assert.deepEqual(assertOK(await b.client.changeEmail({ newEmail: other.email })), { status: true });
    const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
    assert.equal(s.user.email, newAddr);
    assertError(await b.client.changeEmail({ newEmail: newAddr }), 400, undefined, 'Email is the same');
    // Sign-in follows the address.
    await signIn(krag, newAddr, PASSWORD);
    assertError(await krag.browser().client.signIn.email({ email, password: PASSWORD }),
      401, 'INVALID_EMAIL_OR_PASSWORD');
  });

  test('delete-user with the password removes the user', async () => {
    const { browser: b, email } = await signUp(krag, { label: 'delete' });
    const other = await signIn(krag, email, PASSWORD);
    assertError(await b.client.deleteUser({ password: 'Wrong-Passw0rd!' }), 400, 'INVALID_PASSWORD', 'Invalid password');
    assert.deepEqual(assertOK(await b.client.deleteUser({ password: PASSWORD })), { success: true, message: 'User deleted' });
    assert.deepEqual(b.jar.names(), []);
    assert.deepEqual(await b.client.getSession(), { data: null, error: null });
    assert.deepEqual(await other.client.getSession({ query: { disableCookieCache: true } }), { data: null, error: null });
    assertError(await krag.browser().client.signIn.email({ email, password: PASSWORD }),
      401, 'INVALID_EMAIL_OR_PASSWORD');
  });
});

describe('origin checks and request errors (§1.2-§1.3, §8.1)', () => {
  test('a state-changing request from a foreign origin with a cookie is 403 INVALID_ORIGIN', async () => {
    const { browser: b } = await signUp(krag, { label: 'origin' });
    const evil = krag.browser({ jar: b.jar, origin: 'http://evil.example' });
    assertError(await evil.client.updateUser({ name: 'pwned' }), 403, 'INVALID_ORIGIN', 'Invalid origin');
    assertError(await evil.client.signOut(), 403, 'INVALID_ORIGIN', 'Invalid origin');
    const s = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
    assert.equal(s.user.name, 'origin');
  });

  test('a cookie without Origin is 403 MISSING_OR_NULL_ORIGIN, whatever the cookie', async () => {
    const { browser: b } = await signUp(krag, { label: 'no-origin' });
    const missing = { code: 'MISSING_OR_NULL_ORIGIN', message: 'Missing or null Origin' };
    let res = await krag.request('/update-user', { method: 'POST', headers: { cookie: b.jar.header() }, body: { name: 'x' } });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, missing);
    res = await krag.request('/update-user', {
      method: 'POST', headers: { cookie: b.jar.header(), origin: 'null' }, body: { name: 'x' },
    });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, missing);
    res = await krag.request('/sign-in/email', {
      method: 'POST', headers: { cookie: 'theme=dark' }, body: { email: 'a@b.co', password: PASSWORD },
    });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, missing);
    // Referer stands in for a missing Origin.
    res = await krag.request('/update-user', {
      method: 'POST', headers: { cookie: 'theme=dark', referer: `${krag.url}/settings` }, body: { name: 'x' },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { message: 'Unauthorized', code: 'UNAUTHORIZED' });
  });

  test('sign-in without cookies checks the Origin when Fetch Metadata headers are sent', async () => {
    const body = { email: 'someone@compat.test', password: PASSWORD };
    const cases = [
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'CROSS_SITE_NAVIGATION_LOGIN_BLOCKED',
        'Cross-site navigation login blocked. This request appears to be a CSRF attack.'],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', origin: 'http://evil.example' }, 'INVALID_ORIGIN', 'Invalid origin'],
      [{ 'sec-fetch-mode': 'cors' }, 'MISSING_OR_NULL_ORIGIN', 'Missing or null Origin'],
    ];
    for (const [headers, code, message] of cases) {
      const res = await krag.request('/sign-in/email', { method: 'POST', headers, body });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.deepEqual(res.json, { message, code });
    }
  });

  test('an unsupported Content-Type is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    let res = await krag.request('/sign-in/email', {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'email=a@b.co',
    });
    assert.equal(res.status, 415);
    assert.deepEqual(res.json, {
      message: 'Content-Type "text/plain" is not allowed. Allowed types: application/json, application/x-www-form-urlencoded',
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    res = await krag.request('/update-user', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x',
    });
    assert.equal(res.status, 415);
    assert.deepEqual(res.json, {
      message: 'Content-Type "application/x-www-form-urlencoded" is not allowed. Allowed types: application/json',
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });

  test('malformed JSON is 400 BAD_REQUEST', async () => {
    const res = await krag.request('/sign-in/email', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { message: 'Invalid JSON in request body', code: 'BAD_REQUEST' });
  });

  test('unknown routes and wrong methods are 404 with an empty body', async () => {
    for (const [method, path] of [['GET', '/no-such-route'], ['GET', '/update-user'], ['POST', '/ok'], ['GET', '/ok/']]) {
      const res = await krag.request(path, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.text, '', `${method} ${path} body`);
    }
  });

  test('GET /ok is {ok: true}', async () => {
    assert.deepEqual(assertOK(await krag.browser().client.ok()), { ok: true });
    const res = await krag.request('/ok');
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"ok":true}');
    assert.match(res.headers['content-type'], /^application\/json/);
  });
});
