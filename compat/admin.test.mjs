// The official adminClient plugin against krag serve (shared/spec/better-auth-plugins.md §7):
// every call it offers, made by an administrator created with `krag users create --role Admin`
// (the first admin of a fresh install), by an ordinary user (403 with Better Auth's codes) and
// by nobody (a bare 401). The cookie cache is off so that revocations show at once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertError, assertOK, newEmail, runKrag, signIn, signUp, startKrag,
} from './harness.mjs';

const krag = await startKrag({ env: { KRAG_COOKIE_CACHE: '0' } });
const NULL = { data: null, error: null };
const BANNED = 'You have been banned from this application. Please contact support if you believe this is an error.';

const adminEmail = newEmail('admin');
const adminPassword = 'Admin-Passw0rd!';
runKrag(['users', 'create', '--email', adminEmail, '--name', 'Admin', '--password', adminPassword, '--role', 'Admin',
  '--database', krag.db.dsn], { env: { BETTER_AUTH_SECRET: 'unused-by-users-create-0123456789abcdef' } });
const admin = await signIn(krag, adminEmail, adminPassword);

describe('adminClient', () => {
  test('the admin made by the CLI holds role admin and roleId of the admin role', async () => {
    const { user } = assertOK(await admin.client.getSession());
    assert.equal(user.role, 'admin');
    assert.equal(typeof user.roleId, 'number');
    assert.equal(user.banned, false);
    assert.deepEqual(assertOK(await admin.client.admin.hasPermission({ permissions: { user: ['ban', 'set-role'] } })),
      { error: null, success: true });
  });

  test('createUser, getUser, updateUser, setRole, listUsers, removeUser', async () => {
    const email = newEmail('Created').replace('created', 'Created');
    const { user } = assertOK(await admin.client.admin.createUser({
      email, password: 'Created-Passw0rd!', name: 'Created', data: { firstName: 'Ada' },
    }));
    assert.equal(user.email, email.toLowerCase());
    assert.equal(user.role, 'user');
    assert.equal(user.firstName, 'Ada');
    assertError(await admin.client.admin.createUser({ email, password: 'Created-Passw0rd!', name: 'Again' }),
      400, 'USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL');
    assertOK(await signIn(krag, email, 'Created-Passw0rd!').then((b) => b.client.getSession()));

    const got = assertOK(await admin.client.admin.getUser({ query: { id: user.id } }));
    assert.equal(got.id, user.id, 'get-user answers the bare user');

    const updated = assertOK(await admin.client.admin.updateUser({ userId: user.id, data: { name: 'Renamed', lastName: 'L' } }));
    assert.equal(updated.name, 'Renamed');
    assert.equal(updated.lastName, 'L');
    assertError(await admin.client.admin.updateUser({ userId: user.id, data: {} }), 400, 'NO_DATA_TO_UPDATE');
    assertError(await admin.client.admin.updateUser({ userId: user.id, data: { password: 'x' } }),
      400, 'PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER');

    const roled = assertOK(await admin.client.admin.setRole({ userId: user.id, role: ['admin', 'user'] })).user;
    assert.equal(roled.role, 'admin,user');
    assertError(await admin.client.admin.setRole({ userId: user.id, role: 'owner' }), 400,
      'YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE');
    assertError(await admin.client.admin.setRole({ userId: 'nobody', role: 'user' }), 404, 'USER_NOT_FOUND');

    const list = assertOK(await admin.client.admin.listUsers({
      query: { searchValue: email.toLowerCase(), searchField: 'email', limit: 10, sortBy: 'createdAt', sortDirection: 'desc' },
    }));
    assert.equal(list.total, 1);
    assert.equal(list.limit, 10);
    assert.equal(list.users[0].id, user.id);
    const admins = assertOK(await admin.client.admin.listUsers({ query: { filterField: 'role', filterValue: 'admin' } }));
    assert.ok(admins.users.some((u) => u.email === adminEmail));

    assertError(await admin.client.admin.removeUser({ userId: (await admin.client.getSession()).data.user.id }),
      400, 'YOU_CANNOT_REMOVE_YOURSELF');
    assert.deepEqual(assertOK(await admin.client.admin.removeUser({ userId: user.id })), { success: true });
    assertError(await admin.client.admin.getUser({ query: { id: user.id } }), 404, 'USER_NOT_FOUND');
  });

  test('banUser ends the sessions and refuses sign-in with BANNED_USER; unbanUser lifts it', async () => {
    const victim = await signUp(krag, { label: 'banned' });
    const id = victim.data.user.id;
    const { user } = assertOK(await admin.client.admin.banUser({ userId: id, banReason: 'spam', banExpiresIn: 3600 }));
    assert.equal(user.banned, true);
    assert.equal(user.banReason, 'spam');
    assert.ok(new Date(user.banExpires) > new Date());
    assert.deepEqual(await victim.browser.client.getSession(), NULL);

    const again = krag.browser();
    assertError(await again.client.signIn.email({ email: victim.email, password: victim.password }), 403, 'BANNED_USER', BANNED);

    const lifted = assertOK(await admin.client.admin.unbanUser({ userId: id })).user;
    assert.equal(lifted.banned, false);
    assert.equal(lifted.banReason, null);
    assertOK(await again.client.signIn.email({ email: victim.email, password: victim.password }));
  });

  test('impersonateUser and stopImpersonating swap the browser between the two sessions', async () => {
    const target = await signUp(krag, { label: 'target' });
    const adminID = assertOK(await admin.client.getSession()).user.id;
    const browser = await signIn(krag, adminEmail, adminPassword);

    const imp = assertOK(await browser.client.admin.impersonateUser({ userId: target.data.user.id }));
    assert.equal(imp.user.id, target.data.user.id);
    assert.equal(imp.session.impersonatedBy, adminID);
    const hour = new Date(imp.session.expiresAt) - new Date(imp.session.createdAt);
    assert.ok(Math.abs(hour - 3600e3) < 5000, `impersonation lasts an hour, got ${hour} ms`);
    const now = assertOK(await browser.client.getSession());
    assert.equal(now.user.id, target.data.user.id);

    // The target's own list does not show the administrator's session.
    const theirs = assertOK(await target.browser.client.listSessions());
    assert.equal(theirs.length, 1);
    assert.equal(theirs[0].impersonatedBy, null);

    const back = assertOK(await browser.client.admin.stopImpersonating());
    assert.equal(back.user.id, adminID);
    assert.equal(assertOK(await browser.client.getSession()).user.id, adminID);
    assertError(await browser.client.admin.stopImpersonating(), 400, undefined, 'You are not impersonating anyone');

    // Admins cannot impersonate other admins (admin lacks user:impersonate-admins).
    assertError(await browser.client.admin.impersonateUser({ userId: adminID }), 403, 'YOU_CANNOT_IMPERSONATE_ADMINS');
  });

  test('listUserSessions, revokeUserSession, revokeUserSessions, setUserPassword', async () => {
    const u = await signUp(krag, { label: 'sessions' });
    const second = await signIn(krag, u.email, u.password);
    const id = u.data.user.id;
    const { sessions } = assertOK(await admin.client.admin.listUserSessions({ userId: id }));
    assert.equal(sessions.length, 2);
    assert.deepEqual(assertOK(await admin.client.admin.revokeUserSession({ sessionToken: second.sessionToken() })),
      { success: true });
    assert.deepEqual(await second.client.getSession(), NULL);
    assert.equal(assertOK(await admin.client.admin.listUserSessions({ userId: id })).sessions.length, 1);
    assert.deepEqual(assertOK(await admin.client.admin.revokeUserSessions({ userId: id })), { success: true });
    assert.deepEqual(await u.browser.client.getSession(), NULL);

    assert.deepEqual(assertOK(await admin.client.admin.setUserPassword({ userId: id, newPassword: 'Reset-Passw0rd!' })),
      { status: true });
    assertOK(await signIn(krag, u.email, 'Reset-Passw0rd!').then((b) => b.client.getSession()));
  });

  test('an ordinary user gets 403 with Better Auth codes; nobody gets a bare 401', async () => {
    const { browser } = await signUp(krag, { label: 'plain' });
    const other = await signUp(krag, { label: 'other' });
    const id = other.data.user.id;
    assertError(await browser.client.admin.listUsers({ query: {} }), 403, 'YOU_ARE_NOT_ALLOWED_TO_LIST_USERS');
    assertError(await browser.client.admin.setRole({ userId: id, role: 'admin' }), 403, 'YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE');
    assertError(await browser.client.admin.banUser({ userId: id }), 403, 'YOU_ARE_NOT_ALLOWED_TO_BAN_USERS');
    assertError(await browser.client.admin.impersonateUser({ userId: id }), 403, 'YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS');
    assertError(await browser.client.admin.removeUser({ userId: id }), 403, 'YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS');
    assertError(await browser.client.admin.createUser({ email: newEmail('x'), name: 'x', password: 'Whatever-1234' }),
      403, 'YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS');
    assert.deepEqual(assertOK(await browser.client.admin.hasPermission({ permissions: { user: ['list'] } })),
      { error: null, success: false });

    const res = await krag.request('/admin/list-users');
    assert.equal(res.status, 401);
    assert.equal(res.text, '');
  });
});
