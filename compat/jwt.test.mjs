// The official jwtClient against krag serve (shared/spec/better-auth-plugins.md §9): a signed-in
// browser gets a token from GET /token (client.token()) and from get-session's set-auth-jwt
// header, and the jose package verifies both against GET /jwks (client.jwks(), and as a remote
// key set) with the issuer and audience Better Auth uses: the base URL's origin.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jwtClient } from 'better-auth/client/plugins';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { assertError, assertOK, signUp, startKrag } from './harness.mjs';

const krag = await startKrag();

// jwtBrowser is the official client with jwtClient, sharing a harness browser's cookie jar.
function jwtBrowser(browser) {
  return browser.clientWith([jwtClient()]);
}

const verifyOptions = { issuer: krag.url, audience: krag.url, algorithms: ['EdDSA'] };

describe('jwtClient', () => {
  test('token() gives a JWT that jose verifies against jwks()', async () => {
    const { browser, email, data } = await signUp(krag, { label: 'jwt' });
    const client = jwtBrowser(browser);
    const { token } = assertOK(await client.token());
    const { keys } = assertOK(await client.jwks());
    assert.equal(keys.length, 1);
    const [key] = keys;
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.crv, 'Ed25519');
    assert.equal(key.kty, 'OKP');
    assert.equal(key.d, undefined, 'no private member');
    assert.equal(key.use, undefined);

    assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', kid: key.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), verifyOptions);
    assert.equal(payload.sub, data.user.id);
    assert.equal(payload.id, data.user.id);
    assert.equal(payload.email, email);
    assert.equal(payload.name, 'jwt');
    assert.equal(payload.emailVerified, false);
    assert.equal(typeof payload.createdAt, 'string');
    assert.equal(payload.exp - payload.iat, 900, '15 minutes');
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);

    // The same key set, fetched by jose itself as a service would.
    const remote = createRemoteJWKSet(new URL(`${krag.url}/api/auth/jwks`));
    assert.equal((await jwtVerify(token, remote, verifyOptions)).payload.sub, data.user.id);

    // A second token is signed by the same stored key.
    const again = assertOK(await client.token()).token;
    assert.equal(decodeProtectedHeader(again).kid, key.kid);
  });

  test('get-session sends set-auth-jwt and exposes it', async () => {
    const { browser, data } = await signUp(krag, { label: 'header' });
    const client = jwtBrowser(browser);
    const { keys } = assertOK(await client.jwks());
    // Twice: from the database, then from the cookie cache krag serve keeps.
    for (const query of [{ disableCookieCache: true }, {}]) {
      let headers;
      const session = assertOK(await client.getSession({
        query,
        fetchOptions: { onSuccess: (ctx) => { headers = ctx.response.headers; } },
      }));
      assert.equal(session.user.id, data.user.id);
      const jwt = headers.get('set-auth-jwt');
      assert.ok(jwt, 'set-auth-jwt header');
      assert.match(headers.get('access-control-expose-headers'), /\bset-auth-jwt\b/);
      const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys }), verifyOptions);
      assert.equal(payload.sub, data.user.id);
    }

    const res = await krag.request('/get-session');
    assert.equal(res.text, 'null');
    assert.equal(res.headers['set-auth-jwt'], undefined, 'no header without a session');
  });

  test('no session: token() is 401; a tampered token or another audience fails verification', async () => {
    const anonymous = jwtBrowser(krag.browser());
    assertError(await anonymous.token(), 401, 'UNAUTHORIZED');

    const { browser } = await signUp(krag, { label: 'tamper' });
    const client = jwtBrowser(browser);
    const { token } = assertOK(await client.token());
    const { keys } = assertOK(await client.jwks());
    const set = createLocalJWKSet({ keys });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    claims.sub = 'someone-else';
    const changed = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await assert.rejects(jwtVerify(changed, set, verifyOptions), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    await assert.rejects(jwtVerify(token, set, { ...verifyOptions, audience: 'https://elsewhere.example' }),
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });

    // The jwks row is Better Auth's: the private key is a JSON string of ciphertext.
    const rows = await krag.db.all('select "id", "publicKey", "privateKey", "alg", "crv" from "jwks"');
    assert.equal(rows.length, 1, 'one key for every token so far');
    assert.equal(rows[0].id, keys[0].kid);
    assert.equal(rows[0].alg, 'EdDSA');
    assert.equal(rows[0].crv, 'Ed25519');
    assert.match(rows[0].privateKey, /^"[0-9a-f]+"$/);
    assert.equal(JSON.parse(rows[0].publicKey).x, keys[0].x);
  });
});
