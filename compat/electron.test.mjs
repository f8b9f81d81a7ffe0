// The official Electron integration's client (@better-auth/electron 1.7.5, its real sign-in
// code: requestAuth, handleDeepLink, the /electron/token exchange and its cookie-keeping
// fetch plugin) against krag serve. Electron itself is replaced by compat/electron-stub, which
// records the URL the client opens in the system browser; the browser's part is played with
// the harness's cookie jar, as Better Auth's own web pages would: a sign-in that carries the
// app's client_id, state and code_challenge, and a social sign-in started at
// /electron/init-oauth-proxy through a real OpenID Provider (compat/idp).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { electronClient, handleDeepLink } from '@better-auth/electron/client';
import { createAuthClient } from 'better-auth/client';
import { openedURLs } from 'electron';
import { Browser, newEmail, signUp, startIDP, startKrag } from './harness.mjs';

const SCHEME = 'com.example.app';

// The client's main-process checks look at process.type, which Electron sets.
process.type = 'browser';

const idp = await startIDP();
const krag = await startKrag({
  env: {
    KRAG_COOKIE_CACHE: '0',
    KRAG_ELECTRON_SCHEME: SCHEME,
    KRAG_OIDC_ISSUER: idp.issuer,
    KRAG_OIDC_CLIENT_ID: idp.clientId,
    KRAG_OIDC_CLIENT_SECRET: idp.clientSecret,
  },
});

/** app is the Electron app's auth client, with its own storage. */
function app() {
  const storage = new Map();
  const options = {
    protocol: { scheme: SCHEME },
    signInURL: `${krag.url}/desktop`,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => { storage.set(k, v); } },
  };
  const client = createAuthClient({ baseURL: krag.url, plugins: [electronClient(options)] });
  return { client, options, clientOptions: { baseURL: krag.url } };
}

/** lastOpened returns the URL the client last asked the system browser to open. */
function lastOpened() {
  assert.ok(openedURLs.length > 0, 'the client opened no URL');
  return new URL(openedURLs.at(-1));
}

/** verifierFor returns the PKCE verifier the client keeps for state (in the main process). */
function verifierFor(state) {
  return globalThis[Symbol.for('better-auth:electron')]?.get(state);
}

/** readableCookie returns the value of the Set-Cookie called name, which must not be HttpOnly. */
function readableCookie(lines, name) {
  const line = lines.find((l) => l.startsWith(`${name}=`));
  assert.ok(line, `no ${name} cookie in ${JSON.stringify(lines)}`);
  assert.ok(!/;\s*HttpOnly/i.test(line), `${name} must be readable by the page's scripts: ${line}`);
  return line.slice(name.length + 1).split(';')[0];
}

test('requestAuth, a sign-in carrying the app request, then the deep link: the app is signed in', async () => {
  const { email, password } = await signUp(krag, { label: 'electron' });
  const { client, options, clientOptions } = app();
  await client.requestAuth();
  const opened = lastOpened();
  assert.equal(`${opened.origin}${opened.pathname}`, `${krag.url}/desktop`);
  const q = opened.searchParams;
  assert.equal(q.get('client_id'), 'electron');
  const state = q.get('state');
  assert.ok(state && q.get('code_challenge'));

  // The browser: a sign-in page that passes the app's request on (Better Auth's pattern).
  const browser = new Browser(krag.url);
  const res = await fetch(`${krag.url}/api/auth/sign-in/email?${new URLSearchParams({
    client_id: 'electron', state, code_challenge: q.get('code_challenge'),
  })}`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: krag.url },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.match(body.electron_authorization_code, /^[A-Za-z0-9]{32}$/);
  assert.equal(body.user.email, email);
  const token = readableCookie(res.headers.getSetCookie(), 'better-auth.electron');
  browser.jar.store(res.headers.getSetCookie());

  // The deep link the page opens; the OS hands it to the app.
  const verifier = verifierFor(state);
  assert.ok(verifier, 'the client keeps a verifier for its state');
  await handleDeepLink({ $fetch: client.$fetch, options, url: `${SCHEME}://auth/callback#token=${token}`, getWindow: () => null, clientOptions });
  const session = await client.getSession();
  assert.equal(session.error, null, JSON.stringify(session.error));
  assert.equal(session.data.user.email, email);
  assert.match(client.getCookie(), /better-auth\.session_token=/);

  // The code is spent: the same exchange again, even with the right verifier, is refused.
  const decoded = JSON.parse(Buffer.from(decodeURIComponent(token), 'base64url').toString());
  const replay = await krag.request('/electron/token', {
    method: 'POST', body: { token: decoded.identifier, state, code_verifier: verifier },
  });
  assert.equal(replay.status, 404);
  assert.equal(replay.json.code, 'INVALID_TOKEN');
  // And the client no longer has a verifier for that state.
  await assert.rejects(handleDeepLink({ $fetch: client.$fetch, options, url: `${SCHEME}://auth/callback#token=${token}`, getWindow: () => null, clientOptions }),
    /Code verifier not found/);

  // signOut through the client ends the session on the server.
  await client.signOut();
  const after = await krag.request('/get-session', { headers: { cookie: `better-auth.session_token=${encodeURIComponent(session.data.session.token)}` } });
  assert.equal(after.json, null);
});

test('a wrong verifier or state is refused, and the code is spent', async () => {
  const { email, password } = await signUp(krag, { label: 'electron-bad' });
  const { client } = app();
  await client.requestAuth();
  const q = lastOpened().searchParams;
  const state = q.get('state');
  const signIn = async () => {
    const res = await fetch(`${krag.url}/api/auth/sign-in/email?${new URLSearchParams({ client_id: 'electron', state, code_challenge: q.get('code_challenge') })}`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: krag.url }, body: JSON.stringify({ email, password }),
    });
    return (await res.json()).electron_authorization_code;
  };
  let code = await signIn();
  const wrong = await krag.request('/electron/token', { method: 'POST', body: { token: code, state, code_verifier: 'x'.repeat(43) } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.code, 'INVALID_CODE_VERIFIER');
  const spent = await krag.request('/electron/token', { method: 'POST', body: { token: code, state, code_verifier: verifierFor(state) } });
  assert.equal(spent.status, 404);

  code = await signIn();
  const badState = await krag.request('/electron/token', { method: 'POST', body: { token: code, state: 'other', code_verifier: verifierFor(state) } });
  assert.equal(badState.status, 400);
  assert.equal(badState.json.code, 'STATE_MISMATCH');
});

test('requestAuth({provider}) through /electron/init-oauth-proxy and a real provider', async () => {
  const email = newEmail('electron-social');
  await idp.queue({ sub: 'sub-electron-1', email, emailVerified: true, name: 'Ele' });
  const { client, options, clientOptions } = app();
  await client.requestAuth({ provider: 'oidc' });
  const opened = lastOpened();
  assert.equal(opened.pathname, '/api/auth/electron/init-oauth-proxy');
  const state = opened.searchParams.get('state');

  // The system browser follows the redirects: Krag → provider → Krag's callback → the page
  // that hands off (Krag's /desktop/continue).
  const browser = new Browser(krag.url);
  let url = opened.href;
  let last;
  for (let hop = 0; hop < 6; hop++) {
    const u = new URL(url, krag.url);
    const headers = u.origin === krag.url ? { cookie: browser.jar.header() } : {};
    last = await fetch(u, { redirect: 'manual', headers });
    if (u.origin === krag.url) browser.jar.store(last.headers.getSetCookie());
    const loc = last.headers.get('location');
    if (!loc || loc.startsWith('/desktop')) { url = loc; break; }
    url = new URL(loc, u).href;
  }
  assert.equal(url, '/desktop/continue');
  const token = browser.jar.get('better-auth.electron');
  assert.ok(token, 'the callback left the code for the page');

  // Krag's page asks the user to confirm, then shows the deep link with the same code.
  const page = await fetch(`${krag.url}/desktop/continue`, { headers: { cookie: browser.jar.header() } });
  let html = await page.text();
  assert.equal(page.status, 200, html);
  assert.ok(!html.includes(token), 'the code is shown before the user confirms');
  browser.jar.store(page.headers.getSetCookie());
  const csrf = html.match(/name="csrf" value="([^"]+)"/)?.[1];
  assert.ok(csrf, 'the confirmation form has a CSRF field');
  const handoff = await fetch(`${krag.url}/desktop/continue`, {
    method: 'POST',
    headers: { cookie: browser.jar.header(), origin: krag.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, decision: 'continue' }),
  });
  html = await handoff.text();
  assert.equal(handoff.status, 200, html);
  assert.ok(html.includes(`${SCHEME}://auth/callback#token=${token}`), 'the page links the deep link');

  await handleDeepLink({ $fetch: client.$fetch, options, url: `${SCHEME}://auth/callback#token=${token}`, getWindow: () => null, clientOptions });
  const session = await client.getSession();
  assert.equal(session.data?.user.email, email, JSON.stringify(session.error));
  assert.equal(verifierFor(state), undefined);
});
