// The device-authorization plugin (shared/spec/better-auth-plugins.md §11, RFC 8628) with the
// official deviceAuthorizationClient: a device without cookies asks for a code pair and polls,
// a signed-in browser looks the user code up (claiming it) and approves or denies, and the
// approved device receives a session token that works as a bearer token.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { createAuthClient } from 'better-auth/client';
import { deviceAuthorizationClient } from 'better-auth/client/plugins';
import { assertOK, signUp, startKrag } from './harness.mjs';

const krag = await startKrag({ env: { KRAG_COOKIE_CACHE: '0' } });
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_ID = 'compat-cli';

/** deviceClient returns an official client that keeps no cookies, as a CLI would. */
function deviceClient(token) {
  return createAuthClient({
    baseURL: krag.url,
    plugins: [deviceAuthorizationClient()],
    fetchOptions: token ? { auth: { type: 'Bearer', token } } : {},
  });
}

/** userClient returns an official client with deviceAuthorizationClient on browser's cookies. */
function userClient(browser) {
  return browser.clientWith([deviceAuthorizationClient()]);
}

/** assertRFC checks a failed call answered with an RFC 8628 body. */
function assertRFC(result, status, error, description) {
  assert.equal(result.data, null, `expected an error, got data ${JSON.stringify(result.data)}`);
  assert.equal(result.error?.status, status, `status (error ${JSON.stringify(result.error)})`);
  assert.equal(result.error.error, error, `error (error ${JSON.stringify(result.error)})`);
  if (description !== undefined) assert.equal(result.error.error_description, description);
}

async function requestCode(device) {
  const code = assertOK(await device.device.code({ client_id: CLIENT_ID, scope: 'openid profile' }));
  assert.match(code.device_code, /^[A-Za-z0-9]{40}$/);
  assert.match(code.user_code, /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/);
  assert.equal(code.verification_uri, `${krag.url}/device`);
  assert.equal(code.verification_uri_complete, `${krag.url}/device?user_code=${code.user_code}`);
  assert.equal(code.expires_in, 1800);
  assert.equal(code.interval, 5);
  return code;
}

function poll(device, code) {
  return device.device.token({ grant_type: GRANT_TYPE, device_code: code.device_code, client_id: CLIENT_ID });
}

describe('device authorization', () => {
  test('approve: the device polls, is told to slow down, and receives a bearer session', async () => {
    const device = deviceClient();
    const code = await requestCode(device);
    assertRFC(await poll(device, code), 400, 'authorization_pending', 'Authorization pending');

    const { browser, email } = await signUp(krag, { label: 'device' });
    const user = userClient(browser);
    const typed = `${code.user_code.slice(0, 4)}-${code.user_code.slice(4)}`.toLowerCase();
    const seen = assertOK(await user.device({ query: { user_code: typed } }));
    assert.deepEqual(seen, { user_code: typed, status: 'pending', client_id: CLIENT_ID, scope: 'openid profile' });
    assert.deepEqual(assertOK(await user.device.approve({ userCode: code.user_code })), { success: true });

    assertRFC(await poll(device, code), 400, 'slow_down', 'Polling too frequently');
    await sleep(5100);
    const tok = assertOK(await poll(device, code));
    assert.match(tok.access_token, /^[A-Za-z0-9]{32}$/);
    assert.equal(tok.token_type, 'Bearer');
    assert.equal(tok.scope, 'openid profile');
    assert.ok(tok.expires_in > 7 * 24 * 3600 - 60 && tok.expires_in <= 7 * 24 * 3600, `expires_in ${tok.expires_in}`);

    const session = assertOK(await deviceClient(tok.access_token).getSession());
    assert.equal(session.user.email, email);

    await sleep(5100);
    assertRFC(await poll(device, code), 400, 'invalid_grant', 'Invalid device code');
  });

  test('deny: the device is refused, and approval needs a session and a claim', async () => {
    const device = deviceClient();
    const code = await requestCode(device);
    assertRFC(await device.device.approve({ userCode: code.user_code }), 401, 'unauthorized', 'Authentication required');

    const { browser } = await signUp(krag, { label: 'device-deny' });
    const user = userClient(browser);
    assertRFC(await user.device.deny({ userCode: code.user_code }), 400, 'invalid_request');
    assertOK(await user.device({ query: { user_code: code.user_code } }));
    assert.deepEqual(assertOK(await user.device.deny({ userCode: code.user_code })), { success: true });
    assertRFC(await poll(device, code), 400, 'access_denied', 'Access denied');
  });
});
