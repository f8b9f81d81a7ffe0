// Test harness: runs a real `krag serve` and hands tests official Better Auth clients that
// behave like a browser on the server's origin. See README.md.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAuthClient } from 'better-auth/client';
import { adminClient } from 'better-auth/client/plugins';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** SECRET is the BETTER_AUTH_SECRET of servers started without one. */
export const SECRET = 'krag-compat-secret-0123456789abcdefghijklmnop';
/** USER_AGENT is what test browsers send; Krag records it on their sessions. */
export const USER_AGENT = 'krag-compat/1';
/** TOKEN_RE matches a Better Auth session token (spec §4.1). */
export const TOKEN_RE = /^[A-Za-z0-9]{32}$/;
/** SESSION_COOKIE is the session cookie's name over http (spec §3.1). */
export const SESSION_COOKIE = 'better-auth.session_token';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let builtBin;

/**
 * kragBin returns the krag binary: $KRAG_BIN, or one built once per process from the
 * repository into compat/.tmp/krag.
 */
export function kragBin() {
  if (process.env.KRAG_BIN) return resolve(process.env.KRAG_BIN);
  if (!builtBin) {
    const out = join(repoRoot, 'compat', '.tmp', 'krag');
    execFileSync('go', ['build', '-o', out, './cmd/krag'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    builtBin = out;
  }
  return builtBin;
}

/** runKrag runs a krag subcommand to completion and returns its stdout; it throws on failure. */
export function runKrag(args, { env = {}, cwd } = {}) {
  return execFileSync(kragBin(), args, { cwd, env: kragEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// kragEnv is the caller's environment without anything that configures krag, plus env, so a
// developer's own settings (or a .env file: krag runs in a temp dir) cannot leak into a run.
function kragEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(BETTER_AUTH_|KRAG_|AUTH_SECRET$|DATABASE_URL$|NODE_ENV$)/.test(k)) continue;
    out[k] = v;
  }
  return { ...out, ...env };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const cleanups = [];

/**
 * cleanup registers fn to run when the test file's tests end. Cleanups run last-registered
 * first, so a server stops before its directory is removed.
 */
export function cleanup(fn) {
  if (cleanups.length === 0) {
    after(async () => {
      while (cleanups.length > 0) await cleanups.pop()();
    });
  }
  cleanups.push(fn);
}

/** tempDir makes a directory that is removed when the test file ends. */
export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'krag-compat-'));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * DATABASE is the kind of database the tests run krag on: $COMPAT_DATABASE, one of sqlite
 * (the default), mysql or postgres. mysql and postgres need the server named by SERVER_DSN_VAR.
 */
export const DATABASE = process.env.COMPAT_DATABASE || 'sqlite';

/** SERVER_DSN_VAR names the variable that holds the DSN of the server each kind runs on. */
export const SERVER_DSN_VAR = { mysql: 'KRAG_TEST_MYSQL_DSN', postgres: 'KRAG_TEST_POSTGRES_DSN' };

if (!['sqlite', 'mysql', 'postgres'].includes(DATABASE)) {
  throw new Error(`COMPAT_DATABASE=${JSON.stringify(DATABASE)}: want sqlite, mysql or postgres`);
}
if (DATABASE !== 'sqlite' && !process.env[SERVER_DSN_VAR[DATABASE]]) {
  const example = DATABASE === 'mysql'
    ? 'mysql://krag:krag@127.0.0.1:3307/krag'
    : 'postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable';
  throw new Error(
    `COMPAT_DATABASE=${DATABASE} needs ${SERVER_DSN_VAR[DATABASE]}, the DSN of a server where its user may ` +
    `create ${DATABASE === 'mysql' ? 'databases' : 'schemas'} (e.g. ${example}; ` +
    `scripts/services.sh start, then eval "$(scripts/services.sh env)")`,
  );
}

/**
 * TestDatabase is one database a test runs krag on, created empty by freshDatabase and dropped
 * when the test file ends:
 *  - sqlite: a new file in a temp dir;
 *  - mysql: `create database krag_compat_<random>` (utf8mb4) on $KRAG_TEST_MYSQL_DSN's server;
 *  - postgres: `create schema krag_compat_<random>` in $KRAG_TEST_POSTGRES_DSN's database, which
 *    krag selects with `?search_path=<schema>` in its DSN (pgx sends unknown URL parameters to
 *    the server as run-time parameters).
 * dsn is krag's --database; client holds what a Node driver needs to reach the same database
 * (path for better-sqlite3, uri for mysql2, connectionString and options for pg).
 *
 * all(sql, params) and run(sql, params) query it directly (all returns the rows, run the number
 * of rows changed). Write SQL as for SQLite: "double-quoted" names and ? placeholders (MySQL
 * sessions use ANSI_QUOTES; for PostgreSQL ? becomes $1, $2, ...). Date parameters are stored
 * as each database stores Better Auth's dates (ISO text on SQLite, spec §7.3), booleans as 1/0
 * on SQLite. Counts may come back as strings (PostgreSQL bigint): wrap them in Number().
 */
class TestDatabase {
  #conn;
  #drop;

  constructor(kind, { name, dsn, client, drop }) {
    this.kind = kind;
    this.name = name;
    this.dsn = dsn;
    this.client = client;
    this.#drop = drop;
  }

  /** path is the SQLite file (sqlite only). */
  get path() { return this.client.path; }

  async #connect() {
    if (this.#conn) return this.#conn;
    if (this.kind === 'sqlite') {
      this.#conn = new Database(this.client.path, { timeout: 5000 });
    } else if (this.kind === 'mysql') {
      const c = await mysql.createConnection({ uri: this.client.uri, timezone: 'Z' });
      // As krag's own sessions: UTC, so timestamp(3) values mean the same on both sides.
      await c.query(`SET time_zone = '+00:00', SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')`);
      this.#conn = c;
    } else {
      const c = new pg.Client(this.client);
      await c.connect();
      this.#conn = c;
    }
    return this.#conn;
  }

  #params(params) {
    if (this.kind !== 'sqlite') return params;
    return params.map((v) => {
      if (v instanceof Date) return v.toISOString();
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v;
    });
  }

  async #exec(sql, params) {
    const conn = await this.#connect();
    params = this.#params(params);
    if (this.kind === 'sqlite') {
      const stmt = conn.prepare(sql);
      return stmt.reader ? { rows: stmt.all(...params), changes: 0 } : { rows: [], changes: stmt.run(...params).changes };
    }
    if (this.kind === 'mysql') {
      const [res] = await conn.query(sql, params);
      return Array.isArray(res) ? { rows: res, changes: 0 } : { rows: [], changes: res.affectedRows };
    }
    let n = 0;
    const res = await conn.query(sql.replace(/\?/g, () => `$${++n}`), params);
    return { rows: res.rows, changes: res.rowCount };
  }

  /** all runs a query and returns its rows. */
  async all(sql, params = []) { return (await this.#exec(sql, params)).rows; }

  /** run runs a statement and returns how many rows it changed. */
  async run(sql, params = []) { return (await this.#exec(sql, params)).changes; }

  /** close closes the connection of all and run (it reopens on the next use). */
  async close() {
    const c = this.#conn;
    this.#conn = undefined;
    if (!c) return;
    if (this.kind === 'sqlite') c.close();
    else await c.end();
  }

  /** drop closes the connection and removes the database. cleanup calls it. */
  async drop() {
    await this.close();
    await this.#drop();
  }
}

/**
 * freshDatabase creates an empty database of the given kind (default DATABASE) and registers
 * its removal when the test file ends. See TestDatabase.
 */
export async function freshDatabase(kind = DATABASE) {
  const name = `krag_compat_${randomBytes(6).toString('hex')}`;
  let db;
  if (kind === 'sqlite') {
    db = sqliteDatabase(join(tempDir(), `${name}.db`));
  } else if (kind === 'mysql') {
    const server = process.env[SERVER_DSN_VAR.mysql];
    const admin = async (sql) => {
      const c = await mysql.createConnection({ uri: server });
      try { await c.query(sql); } finally { await c.end(); }
    };
    await admin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    db = new TestDatabase(kind, {
      name,
      dsn: url.href,
      client: { uri: url.href },
      drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``),
    });
  } else if (kind === 'postgres') {
    const server = process.env[SERVER_DSN_VAR.postgres];
    const admin = async (sql) => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try { await c.query(sql); } finally { await c.end(); }
    };
    await admin(`CREATE SCHEMA "${name}"`);
    const url = new URL(server);
    url.searchParams.set('search_path', name);
    db = new TestDatabase(kind, {
      name,
      dsn: url.href,
      client: { connectionString: server, options: `-c search_path=${name}` },
      drop: () => admin(`DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    });
  } else {
    throw new Error(`freshDatabase: unknown kind ${kind}`);
  }
  cleanup(() => db.drop());
  return db;
}

/**
 * sqliteDatabase wraps an existing SQLite file as a TestDatabase; dropping it only closes the
 * connection (the file belongs to its temp dir).
 */
export function sqliteDatabase(path) {
  return new TestDatabase('sqlite', { name: path, dsn: `sqlite:${path}`, client: { path }, drop: async () => {} });
}

/**
 * startKrag starts `krag serve` on a free loopback port and waits for GET /api/auth/ok.
 * Options: env (extra environment, e.g. {KRAG_COOKIE_CACHE: '0'}), secret (BETTER_AUTH_SECRET),
 * database (a TestDatabase; default a fresh one of the kind COMPAT_DATABASE names), dbPath
 * (instead of database: an existing SQLite file). The server's database is server.db. It
 * registers node:test hooks that stop the server when the file's tests end (before its database
 * is dropped) and print the server's (debug) log after a failed test.
 */
export async function startKrag({ env = {}, secret = SECRET, database, dbPath } = {}) {
  if (!database) {
    database = dbPath ? sqliteDatabase(dbPath) : await freshDatabase();
    if (dbPath) cleanup(() => database.drop());
  }
  const dir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '--database', database.dsn, '--log-level', 'debug'];
  const child = spawn(kragBin(), args, {
    cwd: dir,
    env: kragEnv({ BETTER_AUTH_SECRET: secret, BETTER_AUTH_URL: url, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (b) => { log += b; });
  child.stderr.on('data', (b) => { log += b; });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const server = {
    url,
    /** db is the server's database (a TestDatabase), for tests that read or edit it. */
    db: database,
    /** dbPath is the SQLite file, when the database is SQLite. */
    dbPath: database.kind === 'sqlite' ? database.path : undefined,
    dir,
    log: () => log,
    /** browser returns an official client with its own cookie jar; see Browser. */
    browser: (opts) => new Browser(url, opts),
    /** request sends a plain fetch to a path under /api/auth; see request(). */
    request: (path, init) => request(url, path, init),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Marked in the log, so that a server stopped by anything else stands out.
      log += `[harness] ${new Date().toISOString()} server.stop(): SIGTERM\n`;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  cleanup(() => server.stop());
  afterEach((t) => {
    if (!t.passed) t.diagnostic(`krag serve log (${url}):\n${log}`);
  });

  const deadline = Date.now() + 15000;
  for (;;) {
    const res = await Promise.race([
      fetch(`${url}/api/auth/ok`).then((r) => r.status, () => 0),
      exited.then((e) => e),
    ]);
    if (res === 200) return server;
    if (typeof res === 'object') {
      throw new Error(`krag serve exited (${res.code ?? res.signal}) before answering:\n${log}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`krag serve did not answer GET /api/auth/ok within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * CookieJar keeps the cookies of one host as a browser would for Krag's cookies: all are
 * Path=/ on one origin, so names are the only key. A Set-Cookie with an empty value or
 * Max-Age<=0 deletes the cookie; cookies without Max-Age (browser-session cookies) are kept.
 * Values are stored as sent (percent-encoded) and sent back unchanged.
 */
export class CookieJar {
  #cookies = new Map();
  /** lastSetCookie holds the Set-Cookie lines of the last response. */
  lastSetCookie = [];

  store(lines) {
    this.lastSetCookie = lines;
    for (const line of lines) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      if (value === '' || (maxAge && Number(maxAge.slice(8)) <= 0)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get(name) { return this.#cookies.get(name); }
  set(name, value) { this.#cookies.set(name, value); }
  names() { return [...this.#cookies.keys()].sort(); }
  header() { return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

/**
 * Browser is the official client (createAuthClient from better-auth/client, with the
 * adminClient plugin that krag serve's admin endpoints answer) plus a cookie
 * jar. Its fetch (the client's customFetchImpl) sends Origin: <origin> and the jar's cookies
 * on every request and stores every Set-Cookie of the response, as a browser on the server's
 * origin does. Pass jar to share cookies between browsers, origin to pose as another site.
 */
export class Browser {
  constructor(baseURL, { jar = new CookieJar(), origin = baseURL } = {}) {
    this.jar = jar;
    this.origin = origin;
    this.baseURL = baseURL;
    const fetchWithJar = async (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('origin', this.origin);
      headers.set('user-agent', USER_AGENT);
      const cookie = this.jar.header();
      if (cookie) headers.set('cookie', cookie);
      const res = await fetch(input, { ...init, headers });
      this.jar.store(res.headers.getSetCookie());
      return res;
    };
    this.fetch = fetchWithJar;
    this.client = this.clientWith([adminClient()]);
  }

  /** clientWith returns another official client on this browser's cookies, with plugins. */
  clientWith(plugins) {
    return createAuthClient({ baseURL: this.baseURL, fetchOptions: { customFetchImpl: this.fetch }, plugins });
  }

  /** sessionToken returns the raw token inside the jar's signed session cookie, or undefined. */
  sessionToken() {
    const v = this.jar.get(SESSION_COOKIE);
    return v && decodeURIComponent(v).split('.')[0];
  }
}

/**
 * request sends a bare HTTP request (node:http, so only the given headers go out: no Origin,
 * cookies or Sec-Fetch-* unless listed) to baseURL + '/api/auth' + path and returns
 * {status, headers, text, json} (json is undefined when the body is not JSON). A plain-object
 * body is sent as JSON with Content-Type application/json.
 */
export function request(baseURL, path, { method = 'GET', headers = {}, body } = {}) {
  headers = { ...headers };
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolveRes, reject) => {
    const req = httpRequest(`${baseURL}/api/auth${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolveRes({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** newEmail returns an address no other test uses. */
export function newEmail(label) {
  return `${label}-${randomBytes(5).toString('hex')}@compat.test`;
}

/**
 * assertError checks a client result {data, error} for a failed call: the HTTP status, the
 * error code (undefined for Better Auth's code-less errors) and, when given, the message.
 */
export function assertError(result, status, code, message) {
  assert.equal(result.data, null, `expected an error, got data ${JSON.stringify(result.data)}`);
  assert.ok(result.error, 'expected an error');
  assert.equal(result.error.status, status, `status (error ${JSON.stringify(result.error)})`);
  assert.equal(result.error.code, code, `code (error ${JSON.stringify(result.error)})`);
  if (message !== undefined) assert.equal(result.error.message, message);
}

/** assertOK checks a client result for success and returns its data. */
export function assertOK(result) {
  assert.equal(result.error, null, `unexpected error ${JSON.stringify(result.error)}`);
  return result.data;
}

/**
 * signUp creates a user through a new browser (which is left signed in) and returns
 * {browser, email, password, data}. fields are extra sign-up body fields.
 */
export async function signUp(server, { label = 'user', password = 'Compat-Passw0rd!', ...fields } = {}) {
  const browser = server.browser();
  const email = newEmail(label);
  const data = assertOK(await browser.client.signUp.email({ name: label, email, password, ...fields }));
  return { browser, email, password, data };
}

/** signIn signs in through a new browser, asserts success and returns it. */
export async function signIn(server, email, password) {
  const browser = server.browser();
  assertOK(await browser.client.signIn.email({ email, password }));
  return browser;
}

/** startIDP builds and runs compat/idp and returns its issuer, client credentials and queue(). */
export async function startIDP() {
  const bin = join(repoRoot, 'compat', '.tmp', 'idp');
  execFileSync('go', ['build', '-o', bin, './compat/idp'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup(() => child.kill('SIGKILL'));
  const first = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`compat/idp exited (${code}) before printing its address`)));
  });
  const cfg = JSON.parse(first);
  cfg.queue = async (user) => {
    const res = await fetch(`${cfg.control}/queue`, { method: 'POST', body: JSON.stringify(user) });
    assert.equal(res.status, 204, 'queue a user at the provider');
  };
  return cfg;
}
