// Adopting a Better Auth database on the database COMPAT_DATABASE selects (SQLite, MySQL or
// PostgreSQL). A real Better Auth 1.7.25 runs in this process first: its own migrator
// (getMigrations) creates the schema in a fresh database, auth.api signs up four users and signs
// one in, and one user is made inactive in the database. Better Auth is then closed, and Krag
// takes over: `krag migrate --plan`, `krag migrate`, then `krag serve` with Better Auth's secret.
// The users' passwords, the live session cookie and the isActive field must keep working.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  SESSION_COOKIE, TOKEN_RE, assertError, assertOK, freshDatabase, runKrag, signUp, startKrag,
} from './harness.mjs';

/** BA_SECRET is the secret Better Auth signs with; krag serve gets it as BETTER_AUTH_SECRET. */
const BA_SECRET = 'adopt-better-auth-secret-0123456789abcdef-0123';

const db = await freshDatabase();

/**
 * betterAuthDatabase connects Better Auth to db the way an application would: a better-sqlite3
 * Database, a mysql2 pool (timezone "Z", as shared/bench/auth-options.mjs), or a pg Pool whose
 * sessions use db's schema through search_path.
 */
function betterAuthDatabase() {
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.path);
    return { database: sqlite, close: async () => sqlite.close() };
  }
  if (db.kind === 'mysql') {
    const pool = mysql.createPool({ uri: db.client.uri, timezone: 'Z', connectionLimit: 4 });
    // mysql2 writes Dates as UTC text; a UTC session stores them as that instant whatever the
    // server's own time zone (krag's sessions are UTC too).
    pool.on('connection', (conn) => conn.query("SET time_zone = '+00:00'"));
    return { database: pool, close: () => pool.end() };
  }
  const pool = new pg.Pool({ ...db.client, max: 4 });
  return { database: pool, close: () => pool.end() };
}

/** The users Better Auth signs up; dee is made inactive afterwards. */
const people = {
  ada: { name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace', phoneNumber: '+15550100' },
  ben: { name: 'Ben Ørsted' },
  cy: { name: 'Cy Young', firstName: 'Cy' },
  dee: { name: 'Dee Inactive', firstName: 'Dee' },
};
for (const [label, p] of Object.entries(people)) {
  p.email = `${label}@adopt.test`;
  p.password = `${label}-BetterAuth-Passw0rd!`;
}

/**
 * Runs Better Auth on db and returns what it made: ba.user[label] (Better Auth's user objects,
 * after the edits below) and ba.session, cy's session as Better Auth's get-session reports it,
 * with ba.cookie, the session cookie's value as a browser holds it (percent-encoded).
 */
async function runBetterAuth() {
  const { database, close } = betterAuthDatabase();
  const options = {
    secret: BA_SECRET,
    baseURL: 'http://127.0.0.1:3000',
    database,
    emailAndPassword: { enabled: true },
    user: {
      additionalFields: {
        firstName: { type: 'string', required: false },
        lastName: { type: 'string', required: false },
        phoneNumber: { type: 'string', required: false },
        roleId: { type: 'number', input: false, required: false },
        isActive: { type: 'boolean', defaultValue: true, input: false, required: false },
      },
    },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: 'error' },
  };
  try {
    const { runMigrations } = await getMigrations(options);
    await runMigrations();
    const auth = betterAuth(options);
    const user = {};
    for (const [label, { name, email, password, ...fields }] of Object.entries(people)) {
      const res = await auth.api.signUpEmail({ body: { name, email, password, ...fields } });
      user[label] = res.user;
    }

    const res = await auth.api.signInEmail({
      body: { email: people.cy.email, password: people.cy.password },
      asResponse: true,
    });
    assert.equal(res.status, 200, 'Better Auth signs cy in');
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
    assert.ok(line, `Better Auth set ${SESSION_COOKIE}`);
    const cookie = line.slice(SESSION_COOKIE.length + 1).split(';')[0];
    const { session } = await auth.api.getSession({ headers: new Headers({ cookie: `${SESSION_COOKIE}=${cookie}` }) });
    assert.equal(session.userId, user.cy.id);

    // Fields only an administrator sets, written straight into the database.
    assert.equal(await db.run('UPDATE "user" SET "roleId" = ? WHERE "id" = ?', [2, user.ada.id]), 1);
    assert.equal(await db.run('UPDATE "user" SET "isActive" = ? WHERE "id" = ?', [false, user.dee.id]), 1);
    user.ada.roleId = 2;
    user.dee.isActive = false;
    return { user, session, cookie };
  } finally {
    await close();
    await db.close();
  }
}

const ba = await runBetterAuth();

// Better Auth is closed; from here on only Krag touches the database.

/** plan returns the statements of `krag migrate --plan --json`. */
function plan() {
  const out = JSON.parse(runKrag(['migrate', '--plan', '--json', '--database', db.dsn]));
  assert.ok(Array.isArray(out.statements), `plan JSON: ${JSON.stringify(out)}`);
  return out.statements;
}

// Run at the top level, in order, so that krag serve starts on the migrated database; the tests
// below check what each step did.
const firstPlan = plan();
let migrateOutput;
let migrateError;
try {
  migrateOutput = runKrag(['migrate', '--database', db.dsn]);
} catch (err) {
  migrateError = err;
}
const secondPlan = plan();
const krag = await startKrag({ database: db, secret: BA_SECRET });

// Statements that drop, empty, copy, rewrite or rename anything: dropped tables, columns or
// indexes, deleted or updated rows, SQLite table rebuilds (insert ... select, drop, rename),
// MySQL `modify`/`change column`, PostgreSQL type changes. PostgreSQL's `alter column ... drop
// not null` (krag's fix for Better Auth 1.7.0-1.7.2's account.issuer) keeps every row and passes.
const DESTRUCTIVE = new RegExp([
  String.raw`drop\s+(table|column|index|constraint|default|foreign|primary)`,
  String.raw`truncate`, String.raw`delete\s+from`, String.raw`update\s+\S+\s+set`, String.raw`insert\s+into`,
  String.raw`rename`, String.raw`modify`, String.raw`change\s+column`,
  String.raw`set\s+data\s+type`, String.raw`type\s+\w+\s+using`,
].map((re) => `\\b${re}\\b`).join('|'), 'i');

// Tables that are Krag's own (plugin/rbac, and web/posts, the pages' demo), and jwks (plugin/jwt:
// Better Auth's table, which this test's Better Auth, configured without the jwt plugin, does not
// make): the plan may create these and nothing else.
const KRAG_TABLES = ['roles', 'permissions', 'role_permissions', 'user_permissions', 'access_version', 'posts', 'jwks', 'deviceCode'];

test("krag migrate --plan on the Better Auth database adds only Krag's own tables and columns, and destroys nothing", () => {
  // Better Auth 1.7.25's migrator makes every core table, column and index krag needs (same
  // names and types, the additional fields as nullable columns). What krag adds: the tables of
  // its roles and permissions and of the pages' demo posts, the admin plugin's columns (user.role, banned, banReason,
  // banExpires, session.impersonatedBy), and their indexes.
  const created = [];
  for (const s of firstPlan) {
    const m = /^create table (\S+)$/.exec(s.reason);
    if (m) {
      created.push(m[1]);
      assert.ok(KRAG_TABLES.includes(m[1]), `plan creates a Better Auth table: ${s.reason}: ${s.sql}`);
    } else {
      assert.doesNotMatch(s.sql, /^\s*create\s+table/i, `plan creates a table: ${s.reason}: ${s.sql}`);
    }
    assert.doesNotMatch(s.sql, DESTRUCTIVE, `destructive statement: ${s.reason}: ${s.sql}`);
  }
  assert.deepEqual(created.sort(), [...KRAG_TABLES].sort());
  const columns = firstPlan.filter((s) => s.reason.startsWith('add column')).map((s) => s.reason);
  assert.deepEqual(columns.sort(), [
    'add column session.impersonatedBy', 'add column user.banExpires', 'add column user.banReason',
    'add column user.banned', 'add column user.role',
  ]);
});

test('krag migrate succeeds, and a second plan lists nothing', () => {
  assert.equal(migrateError, undefined, `krag migrate failed: ${migrateError?.stderr ?? migrateError}`);
  assert.match(migrateOutput, / (is up to date|migrated \(\d+ statements\))\nsystem roles admin and user are in place\n$/);
  assert.deepEqual(secondPlan, []);
});

const USER_FIELDS = [
  'id', 'name', 'email', 'emailVerified', 'image', 'firstName', 'lastName', 'phoneNumber', 'roleId', 'isActive',
];

for (const label of ['ada', 'ben', 'cy']) {
  test(`${label} signs in through krag with the password Better Auth hashed`, async () => {
    const want = ba.user[label];
    const b = krag.browser();
    const { email, password } = people[label];
    const data = assertOK(await b.client.signIn.email({ email, password }));
    assert.match(data.token, TOKEN_RE);
    assert.equal(b.sessionToken(), data.token);
    for (const u of [data.user, assertOK(await b.client.getSession({ query: { disableCookieCache: true } })).user]) {
      for (const k of USER_FIELDS) {
        assert.deepEqual(u[k], want[k], `user.${k}`);
      }
      // Dates Better Auth wrote read back as the same instants.
      assert.equal(u.createdAt.getTime(), want.createdAt.getTime(), 'user.createdAt');
      assert.equal(u.updatedAt.getTime(), want.updatedAt.getTime(), 'user.updatedAt');
    }
    assertError(await krag.browser().client.signIn.email({ email, password: 'Wrong-Passw0rd!' }),
      401, 'INVALID_EMAIL_OR_PASSWORD', 'Invalid email or password');
  });
}

test("Better Auth's session cookie works for get-session", async () => {
  const b = krag.browser();
  b.jar.set(SESSION_COOKIE, ba.cookie);
  for (const query of [{}, { disableCookieCache: true }]) {
    const s = assertOK(await b.client.getSession({ query }));
    assert.ok(s, `a session (query ${JSON.stringify(query)})`);
    assert.equal(s.session.id, ba.session.id);
    assert.equal(s.session.token, ba.session.token);
    assert.equal(s.session.userId, ba.user.cy.id);
    assert.equal(s.session.expiresAt.getTime(), ba.session.expiresAt.getTime());
    assert.equal(s.user.email, people.cy.email);
    assert.equal(s.user.firstName, 'Cy');
  }
});

test('the user made inactive in the database gets 403 USER_INACTIVE', async () => {
  const b = krag.browser();
  assertError(await b.client.signIn.email({ email: people.dee.email, password: people.dee.password }),
    403, 'USER_INACTIVE', 'User account is inactive');
  assert.equal(b.jar.get(SESSION_COOKIE), undefined);
});

test("krag signs new users up into Better Auth's tables", async () => {
  const { browser: b, email, password } = await signUp(krag, {
    label: 'adopt-new', firstName: 'New', phoneNumber: '+15550199',
  });
  const { user } = assertOK(await b.client.getSession({ query: { disableCookieCache: true } }));
  assert.deepEqual([user.firstName, user.phoneNumber, user.role, user.isActive], ['New', '+15550199', 'user', true]);
  assert.ok(Number.isInteger(user.roleId), `roleId = ${user.roleId}`);
  assertOK(await krag.browser().client.signIn.email({ email, password }));
});

test("signing out with Better Auth's cookie deletes its session row", async () => {
  const b = krag.browser();
  b.jar.set(SESSION_COOKIE, ba.cookie);
  assert.deepEqual(assertOK(await b.client.signOut()), { success: true });
  const [{ n }] = await db.all('SELECT count(*) AS n FROM "session" WHERE "id" = ?', [ba.session.id]);
  assert.equal(Number(n), 0);
  const replay = krag.browser();
  replay.jar.set(SESSION_COOKIE, ba.cookie);
  assert.deepEqual(await replay.client.getSession({ query: { disableCookieCache: true } }),
    { data: null, error: null });
});
