// Social sign-in with the official client through a real OpenID Provider (compat/idp: mockoidc
// on loopback, ID tokens signed and checked through discovery and JWKS), following the real
// HTTP redirect chain a browser follows: client → krag (/sign-in/social) → provider
// (/authorize) → krag (/callback/oidc) → the app. Then listAccounts, linkSocial and
// unlinkAccount.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertError, assertOK, newEmail, signUp, startIDP, startKrag } from './harness.mjs';

const idp = await startIDP();
const krag = await startKrag({
  env: {
    KRAG_COOKIE_CACHE: '0',
    KRAG_OIDC_ISSUER: idp.issuer,
    KRAG_OIDC_CLIENT_ID: idp.clientId,
    KRAG_OIDC_CLIENT_SECRET: idp.clientSecret,
  },
});

/**
 * follow walks a redirect chain as a browser does, sending and storing the browser's cookies on
 * krag's origin (the provider's own cookies do not matter to mockoidc), and returns the first
 * Location that leaves both servers or is relative to the app: where the app would show a page.
 */
async function follow(browser, url) {
  const kragOrigin = new URL(krag.url).origin;
  for (let hops = 0; hops < 10; hops++) {
    const u = new URL(url, krag.url);
    const headers = {};
    if (u.origin === kragOrigin) headers.cookie = browser.jar.header();
    const res = await fetch(u, { redirect: 'manual', headers });
    if (u.origin === kragOrigin) browser.jar.store(res.headers.getSetCookie());
    const location = res.headers.get('location');
    assert.ok(res.status >= 300 && res.status < 400 && location, `hop ${hops} to ${u}: ${res.status} ${await res.text()}`);
    if (location.startsWith('/') && !location.startsWith('/api/auth/')) return location;
    const next = new URL(location, u);
    if (next.origin !== kragOrigin && next.origin !== new URL(idp.issuer).origin) return location;
    url = next.href;
  }
  throw new Error('more than 10 redirects');
}

test('signIn.social through the provider ends signed in; listAccounts shows the account', async () => {
  const email = newEmail('social');
  await idp.queue({ sub: 'sub-social-1', email, emailVerified: true, name: 'Soc' });
  const browser = krag.browser();
  const started = assertOK(await browser.client.signIn.social({
    provider: 'oidc', callbackURL: '/dashboard', newUserCallbackURL: '/welcome',
  }));
  assert.equal(started.redirect, true);
  assert.ok(started.url.startsWith(idp.issuer), `provider URL ${started.url}`);
  const u = new URL(started.url);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(u.searchParams.get('nonce'));
  assert.equal(u.searchParams.get('redirect_uri'), `${krag.url}/api/auth/callback/oidc`);

  assert.equal(await follow(browser, started.url), '/welcome');
  const { user } = assertOK(await browser.client.getSession());
  assert.equal(user.email, email);
  assert.equal(user.emailVerified, true);

  const accounts = assertOK(await browser.client.listAccounts());
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].providerId, 'oidc');
  assert.equal(accounts[0].accountId, 'sub-social-1');
  assert.ok(Array.isArray(accounts[0].scopes));
  // Its only way in cannot be unlinked.
  assertError(await browser.client.unlinkAccount({ accountId: accounts[0].id }), 400, 'FAILED_TO_UNLINK_LAST_ACCOUNT');

  // The same person again: the same user, sent to callbackURL this time.
  await idp.queue({ sub: 'sub-social-1', email, emailVerified: true });
  const again = krag.browser();
  const second = assertOK(await again.client.signIn.social({ provider: 'oidc', callbackURL: '/dashboard', newUserCallbackURL: '/welcome' }));
  assert.equal(await follow(again, second.url), '/dashboard');
  assert.equal(assertOK(await again.client.getSession()).user.id, user.id);
});

test('an email the local user never verified is not taken over: account_not_linked', async () => {
  const local = await signUp(krag, { label: 'unverified-local' });
  await idp.queue({ sub: 'sub-takeover', email: local.email, emailVerified: true });
  const attacker = krag.browser();
  const started = assertOK(await attacker.client.signIn.social({ provider: 'oidc', callbackURL: '/dashboard', errorCallbackURL: '/oops' }));
  const landed = await follow(attacker, started.url);
  assert.match(landed, /^\/oops\?error=account_not_linked/);
  assert.deepEqual(await attacker.client.getSession(), { data: null, error: null });
});

test('linkSocial adds the provider account to the signed-in user; unlinkAccount removes it', async () => {
  const { browser, email, data } = await signUp(krag, { label: 'linker' });
  await idp.queue({ sub: 'sub-linker', email, emailVerified: true });
  const started = assertOK(await browser.client.linkSocial({ provider: 'oidc', callbackURL: '/settings' }));
  assert.equal(started.redirect, true);
  assert.equal(await follow(browser, started.url), '/settings');

  let accounts = assertOK(await browser.client.listAccounts());
  assert.deepEqual(accounts.map((a) => a.providerId).sort(), ['credential', 'oidc']);
  const linked = accounts.find((a) => a.providerId === 'oidc');
  assert.equal(linked.userId, data.user.id);

  assert.deepEqual(assertOK(await browser.client.unlinkAccount({ accountId: linked.id })), { status: true });
  accounts = assertOK(await browser.client.listAccounts());
  assert.deepEqual(accounts.map((a) => a.providerId), ['credential']);
});

test('an unknown provider is 404 PROVIDER_NOT_FOUND', async () => {
  assertError(await krag.browser().client.signIn.social({ provider: 'nope' }), 404, 'PROVIDER_NOT_FOUND');
});
