// The bearer and one-time-token plugins (shared/spec/better-auth-plugins.md §8, §10) with the
// official client: a client without cookies that authenticates with
// `fetchOptions.auth = {type: 'Bearer', token}` and learns its token from set-auth-token, and
// oneTimeTokenClient's generate and verify carrying a session from one client to another.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAuthClient } from 'better-auth/client';
import { oneTimeTokenClient } from 'better-auth/client/plugins';
import {
  SESSION_COOKIE, TOKEN_RE, USER_AGENT, assertError, assertOK, newEmail, startKrag,
} from './harness.mjs';

const krag = await startKrag({ env: { KRAG_COOKIE_CACHE: '0' } });
const password = 'Compat-Passw0rd!';

/**
 * bearerClient returns an official client that keeps no cookies: it sends its token as
 * Authorization: Bearer and replaces it with every set-auth-token it receives, as Better
 * Auth's bearer documentation shows.
 */
function bearerClient(initial) {
  const state = { token: initial, seenCookies: [] };
  const customFetchImpl = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('origin', krag.url);
    headers.set('user-agent', USER_AGENT);
    assert.equal(headers.get('cookie'), null, 'a bearer client sends no cookie');
    const res = await fetch(input, { ...init, headers });
    state.seenCookies.push(...res.headers.getSetCookie());
    return res;
  };
  state.client = createAuthClient({
    baseURL: krag.url,
    plugins: [oneTimeTokenClient()],
    fetchOptions: {
      customFetchImpl,
      auth: { type: 'Bearer', token: () => state.token },
      onSuccess: (ctx) => {
        const t = ctx.response.headers.get('set-auth-token');
        if (t) state.token = t;
      },
    },
  });
  return state;
}

/** cookieClient returns an official client with oneTimeTokenClient and a cookie jar. */
function cookieClient() {
  const browser = krag.browser();
  return { jar: browser.jar, client: browser.clientWith([oneTimeTokenClient()]) };
}

describe('bearer', () => {
  test('sign-up answers set-auth-token, and the token alone authenticates', async () => {
    const b = bearerClient();
    const email = newEmail('bearer');
    const data = assertOK(await b.client.signUp.email({ name: 'Bearer', email, password }));
    assert.match(data.token, TOKEN_RE);
    assert.ok(b.token, 'set-auth-token was received');
    assert.equal(b.token.split('.')[0], data.token, 'set-auth-token signs the session token');
    assert.match(b.token, /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/, 'set-auth-token is not percent-encoded');
    const cookie = b.seenCookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    assert.equal(decodeURIComponent(cookie.split(';')[0].slice(SESSION_COOKIE.length + 1)), b.token,
      'set-auth-token is the session cookie, decoded');

    const session = assertOK(await b.client.getSession());
    assert.equal(session.user.email, email);
    assert.equal(session.session.token, data.token);
    const sessions = assertOK(await b.client.listSessions());
    assert.equal(sessions.length, 1);

    // The raw token works too (requireSignature is off).
    const raw = bearerClient(data.token);
    assert.equal(assertOK(await raw.client.getSession()).user.email, email);

    // A tampered signature is ignored: no session.
    // (Its first character changes: the last ones hold base64 padding bits and may already be
    // the replacement.)
    const [tok, sig] = b.token.split('.');
    const bad = bearerClient(`${tok}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    assert.equal(assertOK(await bad.client.getSession()), null);
    assertError(await bad.client.listSessions(), 401, 'UNAUTHORIZED');
    // Another scheme is not a bearer token.
    const basic = await krag.request('/get-session', { headers: { authorization: `Basic ${b.token}` } });
    assert.equal(basic.text, 'null');
    // Nor is a token in the query string.
    const query = await krag.request(`/get-session?token=${encodeURIComponent(b.token)}`);
    assert.equal(query.text, 'null');

    assertOK(await b.client.signOut());
    assert.equal(assertOK(await b.client.getSession()), null);
  });

  test('sign-in exposes set-auth-token to cross-origin scripts', async () => {
    const email = newEmail('expose');
    assertOK(await bearerClient().client.signUp.email({ name: 'Expose', email, password }));
    const origin = { origin: krag.url };
    const res = await krag.request('/sign-in/email', { method: 'POST', headers: origin, body: { email, password } });
    assert.equal(res.status, 200);
    assert.match(res.headers['set-auth-token'], /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/);
    assert.equal(res.headers['access-control-expose-headers'], 'set-auth-token');
    const session = await krag.request('/get-session', { headers: { authorization: `Bearer ${res.headers['set-auth-token']}` } });
    assert.equal(session.json.user.email, email);
    const failed = await krag.request('/sign-in/email', { method: 'POST', headers: origin, body: { email, password: 'wrong-password' } });
    assert.equal(failed.status, 401);
    assert.equal(failed.headers['set-auth-token'], undefined);
  });
});

describe('oneTimeTokenClient', () => {
  test('generate with a session, verify once from another client', async () => {
    const web = cookieClient();
    const email = newEmail('ott');
    const signedUp = assertOK(await web.client.signUp.email({ name: 'OTT', email, password }));

    const { token } = assertOK(await web.client.oneTimeToken.generate());
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);

    const app = cookieClient();
    const verified = assertOK(await app.client.oneTimeToken.verify({ token }));
    assert.equal(verified.user.email, email);
    assert.equal(verified.session.token, signedUp.token);
    assert.ok(app.jar.get(SESSION_COOKIE), 'verify sets the session cookie');
    assert.equal(assertOK(await app.client.getSession()).user.email, email);

    assertError(await cookieClient().client.oneTimeToken.verify({ token }), 400, undefined, 'Invalid token');
    assertError(await cookieClient().client.oneTimeToken.verify({ token: 'x'.repeat(32) }), 400, undefined, 'Invalid token');
    assertError(await cookieClient().client.oneTimeToken.generate(), 401, 'UNAUTHORIZED');
  });

  test('a bearer client generates, a signed-out session is not found', async () => {
    const b = bearerClient();
    assertOK(await b.client.signUp.email({ name: 'OTT Bearer', email: newEmail('ottb'), password }));
    const { token } = assertOK(await b.client.oneTimeToken.generate());
    assertOK(await b.client.signOut());
    assertError(await cookieClient().client.oneTimeToken.verify({ token }), 400, undefined, 'Session not found');
  });
});
