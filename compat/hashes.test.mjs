// Password hashes cross between Krag and Better Auth (spec §5): a hash Krag writes verifies
// with better-auth/crypto, and a hash better-auth/crypto makes signs in through Krag. The
// test reads and writes Krag's database directly (SQLite, MySQL or PostgreSQL, as
// COMPAT_DATABASE says; see TestDatabase in harness.mjs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from 'better-auth/crypto';
import { assertError, signIn, signUp, startKrag } from './harness.mjs';

const krag = await startKrag();

async function credentialHash(userId) {
  const rows = await krag.db.all(
    `SELECT "password" FROM "account" WHERE "userId" = ? AND "providerId" = 'credential' AND "accountId" = ?`,
    [userId, userId],
  );
  assert.equal(rows.length, 1, 'one credential account with accountId = userId');
  return rows[0].password;
}

test('a hash written by Krag verifies with Better Auth, NFKC-normalised', async () => {
  // U+212B ANGSTROM SIGN normalises (NFKC) to U+00C5, as do the "ﬁ" ligature and "ｆｉ" to "fi".
  const password = 'Compat-\u212Bngstr\u00F6m-\uFB01!';
  const { data } = await signUp(krag, { label: 'krag-hash', password });
  const hash = await credentialHash(data.user.id);
  assert.match(hash, /^[0-9a-f]{32}:[0-9a-f]{128}$/);
  assert.equal(await verifyPassword({ hash, password }), true);
  assert.equal(await verifyPassword({ hash, password: 'Compat-\u00C5ngstr\u00F6m-\uFF46\uFF49!' }), true);
  assert.equal(await verifyPassword({ hash, password: 'Compat-Angstrom-fi!' }), false);
});

test('a hash made by Better Auth signs in through Krag', async () => {
  const { data, email, password } = await signUp(krag, { label: 'ba-hash' });
  const baPassword = 'Better-Auth-Passw0rd!';
  const hash = await hashPassword(baPassword);
  const changed = await krag.db.run(
    `UPDATE "account" SET "password" = ? WHERE "userId" = ? AND "providerId" = 'credential'`,
    [hash, data.user.id],
  );
  assert.equal(changed, 1);
  const b = await signIn(krag, email, baPassword);
  assert.equal(b.sessionToken().length, 32);
  assertError(await krag.browser().client.signIn.email({ email, password }), 401, 'INVALID_EMAIL_OR_PASSWORD');
});
