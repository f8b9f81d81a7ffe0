// Permissions from the database, used in the browser: an administrator defines a role with
// conditional permissions through Krag's /rbac routes, gives it to a user with adminClient's
// setRole, and the user's browser builds a real @casl/ability from GET /rbac/rules. The browser's
// decisions must be the server's (has-permission) for type-level checks, and its conditional
// rules must carry the user's own id in place of ${user.id}.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMongoAbility, subject } from '@casl/ability';
import { unpackRules } from '@casl/ability/extra';
import { assertError, assertOK, newEmail, runKrag, signIn, signUp, startKrag } from './harness.mjs';

// KRAG_DEMO=off: the /posts demo's permissions on Post would be every user's.
const krag = await startKrag({ env: { KRAG_COOKIE_CACHE: '0', KRAG_DEMO: 'off' } });
const adminEmail = newEmail('rbac-admin');
runKrag(['users', 'create', '--email', adminEmail, '--name', 'Admin', '--password', 'Admin-Passw0rd!', '--role', 'admin',
  '--database', krag.db.dsn], { env: { BETTER_AUTH_SECRET: 'unused-by-users-create-0123456789abcdef' } });
const admin = await signIn(krag, adminEmail, 'Admin-Passw0rd!');

const post = (browser, path, body) => browser.client.$fetch(path, { method: 'POST', body });

test('a role defined over /rbac reaches the browser as CASL rules that decide as the server does', async () => {
  assertOK(await post(admin, '/rbac/create-role', { name: 'author', displayName: 'Author' }));
  const perms = [
    { name: 'post:read', resource: 'Post', action: 'read' },
    { name: 'post:update-own', resource: 'Post', action: 'update', conditions: { authorId: '${user.id}' } },
    { name: 'comment:manage', resource: 'Comment', action: 'manage' },
    { name: 'comment:delete-locked', resource: 'Comment', action: 'delete', conditions: { locked: true } },
  ];
  for (const p of perms) assertOK(await post(admin, '/rbac/create-permission', p));
  for (const [permission, inverted] of [['post:read', false], ['post:update-own', false], ['comment:manage', false],
    ['comment:delete-locked', true]]) {
    assertOK(await post(admin, '/rbac/grant', { role: 'author', permission, inverted }));
  }
  // The seed's hole stays shut: conditions that are not JSON are refused, naming the problem.
  const bad = await post(admin, '/rbac/create-permission', { name: 'broken', resource: 'Post', action: 'delete', conditions: '{"authorId": ' });
  assertError(bad, 400, 'INVALID_PERMISSION');

  const writer = await signUp(krag, { label: 'writer' });
  const me = writer.data.user.id;
  const { user } = assertOK(await admin.client.admin.setRole({ userId: me, role: 'Author' }));
  assert.equal(user.role, 'author');

  const { rules } = assertOK(await writer.browser.client.$fetch('/rbac/rules'));
  const ability = createMongoAbility(unpackRules(rules));
  assert.ok(ability.can('read', 'Post'));
  assert.ok(ability.can('update', subject('Post', { authorId: me })));
  assert.ok(!ability.can('update', subject('Post', { authorId: 'someone-else' })));
  assert.ok(ability.can('delete', subject('Comment', { locked: false })));
  assert.ok(!ability.can('delete', subject('Comment', { locked: true })));
  assert.ok(!ability.can('delete', 'Post'));
  assert.ok(!ability.can('read', 'user'));

  for (const [resource, action] of [['Post', 'read'], ['Post', 'update'], ['Post', 'delete'], ['Comment', 'delete'],
    ['Comment', 'create'], ['user', 'list'], ['user', 'ban']]) {
    const server = assertOK(await writer.browser.client.admin.hasPermission({ permissions: { [resource]: [action] } }));
    assert.equal(server.success, ability.can(action, resource), `${action} ${resource}: server ${server.success}`);
  }

  // Taking the role away takes the rules away.
  assertOK(await admin.client.admin.setRole({ userId: me, role: 'user' }));
  const after = assertOK(await writer.browser.client.$fetch('/rbac/rules'));
  assert.ok(!createMongoAbility(unpackRules(after.rules)).can('read', 'Post'));
});
