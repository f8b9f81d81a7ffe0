// generate.mjs: seeded random test cases for the `krag access eval` protocol.
//
// generateCase(seed, k) always returns the same case for the same (seed, k): every case has its
// own PRNG seeded from both, so one case can be regenerated without the ones before it.
//
// As a command: node generate.mjs [--seed S] [--cases N] [--only K]
// prints the protocol input lines (one JSON test case per line), e.g. to pipe into
// `$KRAG_BIN access eval` or `node reference.mjs`.
//
// What is covered (casl-semantics.md section in brackets): every default operator and implicit
// equality [8.2], nested paths, numeric segments and arrays of objects [8.3], missing fields and
// null values and operands [8.5], mixed-type and UTF-16 ordering [8.4], inverted rules and rule
// order [2, 3], several actions and subjects, manage/all and missing or falsy subjects [1, 2],
// type-level and instance checks [4], fields and field patterns [7], aliases (valid and invalid)
// [6], reasons and packRules [11], permittedFieldsOf [7.3], the WHERE of type-level checks [12],
// and malformed rules: unknown operators alone and mixed with known ones, top-level operators, bad
// operands, invalid regexes and flags, regexes Go's RE2 cannot compile, empty fields arrays [8.1,
// 8.7, 15].
//
// Kept out on purpose (JavaScript-only traps the spec says a port should not copy, see README):
// Object.prototype names and integer-like strings as keys, prototype property lookups (`length`),
// falsy non-object elements under a document-style $elemMatch, Dates, lone surrogates, and
// numeric path segments on values that can be strings.

import { pathToFileURL } from 'node:url';
import { mongoQueryMatcher } from '@casl/ability';

// ---- PRNG: cyrb128 to seed sfc32 ----------------------------------------------------------

function cyrb128(str) {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** Rand is a small seeded PRNG (sfc32) with helpers. */
export class Rand {
  constructor(seedText) {
    [this.a, this.b, this.c, this.d] = cyrb128(String(seedText));
    for (let i = 0; i < 12; i++) this.next();
  }

  /** next returns a float in [0, 1). */
  next() {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n) { return Math.floor(this.next() * n); }
  range(lo, hi) { return lo + this.int(hi - lo + 1); }
  chance(p) { return this.next() < p; }
  pick(arr) { return arr[this.int(arr.length)]; }
  /** weighted picks a key of {key: weight}. */
  weighted(table) {
    const entries = Object.entries(table);
    let x = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) { if ((x -= w) < 0) return k; }
    return entries[entries.length - 1][0];
  }
  sample(arr, n) {
    const a = arr.slice();
    for (let i = a.length - 1; i > 0; i--) { const j = this.int(i + 1); [a[i], a[j]] = [a[j], a[i]]; }
    return a.slice(0, n);
  }
}

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

// ---- vocabulary ----------------------------------------------------------------------------

export const TYPES = ['Post', 'Comment', 'User'];
export const ACTIONS = ['read', 'update', 'delete', 'create', 'publish'];

const ALIAS_MAPS = [
  { modify: ['update', 'delete'] },
  { modify: ['update', 'delete'], crud: ['create', 'read', 'modify'] },
  { edit: 'update' },
  { access: ['read', 'publish'], edit: ['update'] },
];
// Each of these makes createAliasResolver throw (casl-semantics.md §6).
const BAD_ALIAS_MAPS = [
  { manage: ['read'] },
  { modify: 'manage' },
  { modify: ['update', 'manage'] },
  { a: 'b', b: 'a' },
  { modify: ['update', 'modify'] },
];

const KELVIN = '\u212A';
const LONG_S = '\u017F';
export const STRINGS = [
  '', 'a', 'b', 'c', 'abc', 'Abc', 'ABC', 'ab', 'cd', 'abcd', 'draft', 'published', '1', '10', '9', '12',
  'a.b', 'axb', 'a1b', 'x y', 'admin', 'a\nb', 'b\na', 'a\rb', 'a\u2028b', 's', 'k', 'uu', 'p{L}', '-',
  '😀', '😁', '😀a', 'a😀', 'ｚ', '\uFF21', '𝒳y', 'é', 'É', LONG_S, KELVIN,
];
const NUMS = [-1, 0, 1, 2, 3, 5, 10, 1.5, 100];
const IDS = [1, 2, 3];
const STATUSES = ['draft', 'published', 'archived'];
const DATES = ['2024-01-01T00:00:00Z', '2023-06-30T12:00:00Z', '2024-01-01'];
const ROLES = ['admin', 'editor', 'viewer'];
const TAGS = ['a', 'b', 'c', '😀', 'ｚ', 'A'];
// Values of any type, for mixed-type comparisons (number vs string, booleans, null).
const MIXED = [0, 1, -1, 2.5, 10, '1', '10', '9', '', 'a', 'abc', true, false, null, '😀', 'ｚ', '2024-01-01T00:00:00Z'];

const POOLS = {
  id: IDS, num: NUMS, str: STRINGS, status: STATUSES, bool: [true, false], date: DATES,
  roles: ROLES, tag: TAGS, any: MIXED,
};

// Condition paths: [path, kind of scalar value there, shape].
//   shape 'scalar': a plain value; 'array': an array of scalars; 'objects': an array of objects;
//   'object': an object.
const PATHS = [
  ['id', 'num', 'scalar'], ['authorId', 'id', 'scalar'], ['title', 'str', 'scalar'],
  ['status', 'status', 'scalar'], ['score', 'num', 'scalar'], ['published', 'bool', 'scalar'],
  ['deletedAt', 'date', 'scalar'], ['missing', 'any', 'scalar'], ['author.id', 'id', 'scalar'],
  ['author.name', 'str', 'scalar'], ['meta.a.b', 'any', 'scalar'], ['meta.a', 'any', 'scalar'],
  ['author', 'any', 'object'], ['tags', 'tag', 'array'], ['tags.0', 'tag', 'scalar'], ['tags.1', 'tag', 'scalar'],
  ['author.roles', 'roles', 'array'], ['comments.authorId', 'id', 'scalar'], ['comments.tags', 'tag', 'array'],
  ['comments.0.authorId', 'id', 'scalar'], ['comments.likes', 'num', 'scalar'], ['comments', 'any', 'objects'],
];

const REGEX_OK = [
  '^a', 'a$', '^abc$', 'b', 'A', '^.$', '^.{2}$', '^.{1,2}$', 'a.b', '^a.b$', '\\d', '^\\d+$', '\\w{3}',
  '^[a-c]+$', '[^a-z]', 'draft|published', '^(ab|cd)', '(ab){1,2}', '^$', '^b$', 'a$', 'é', 'É', '😀',
  '^ｚ', '^s', 'k', '^[0-9]{1,2}$', '\\.', 'a\\d?', '^\\w*$', 'b+', '^(a|b)c*',
  // UTF-16 units and Annex B syntax (no u flag): classes of surrogate halves, \u{…} as u and
  // a quantifier, \p as p, a class escape at a range end, lone braces, \c, \k without groups.
  '^[😀]{2}$', '^\\uD83D', '\\uDE00$', '^\\u{2}$', '\\p{L}', '^[\\d-z]$', 'a{,2}', '^\\S+$', '\\bk', '[\\s\\S]',
  '^.*$', '^[^]$', 'ſ', '\\u212a', '^(?<n>a)', '[k-s]{2}', '\\k', 'x]', '\\cJ', '[^\\n]',
];
// Valid JavaScript regexes that RE2 cannot compile: CASL accepts them, Go must reject them.
const REGEX_GO_REJECT = ['(?=a)a', '(a)\\1', '(?<=a)b', '(?!a)b', '(?<n>a)\\k<n>', '\\012', 'a{1001}'];
// Invalid in JavaScript: `new RegExp` throws when CASL parses the rule.
const REGEX_BAD = ['(', '[a-', 'a{2,1}', '*a', '?', '\\', '^*', '\\b+', '{1}', 'a**', '[z-a]', '(?x)', '(?<n>a)(?<n>b)'];
const FLAGS_OK = ['i', 'm', 's', 'im', 'is', 'ms', '', 'y', 'gi', 'my'];
const FLAGS_BAD = ['x', 'ii', 'ix'];

const UNKNOWN_FIELD_OPS = [
  () => ({ $not: { $eq: 1 } }), () => ({ $mod: [2, 0] }), () => ({ $type: 'string' }),
  () => ({ $contains: 'a' }), () => ({ $foo: 1 }), () => ({ $startsWith: 'a' }),
];
const TOP_LEVEL_BAD = [
  // unknown operators at the top level: CASL takes them as field names (inert)
  () => ({ $or: [{ authorId: 1 }, { status: 'draft' }] }), () => ({ $and: [{ authorId: 1 }] }),
  () => ({ $nor: [{ authorId: 1 }] }), () => ({ $where: 'this.authorId == 1' }), () => ({ $expr: { $eq: ['$a', 1] } }),
  // known (field-level) operators at the top level: CASL throws when it parses them
  () => ({ $eq: 1 }), () => ({ $exists: true }), () => ({ $in: [1] }), () => ({ $elemMatch: { authorId: 1 } }),
  () => ({ $options: 'i' }),
];

const RULE_FIELDS = [
  ['title'], ['title', 'status'], ['author.*'], ['author.**'], ['*'], ['**'], ['*.name'], ['street*'],
  ['author.*.name'], ['*.*'], ['a.*.b.**'], ['meta-data.*'], ['title', 'author.*'], ['secret'],
  ['author.name', 'comments.*.text'], 'title', 'author.*',
];
const CHECK_FIELDS = [
  'title', 'status', 'author', 'author.name', 'author.a.b', 'author.', 'authors', 'x.name', 'x.y.name', 'name',
  'street', 'street1', 'street.x', 'author.x.name', 'a.x.b', 'a.x.b.c.d', 'a.b', 'meta-data.x', 'metaXdata.x',
  'secret', 'comments.0.text', 'comments.1.text', '',
];
const ALL_FIELDS = {
  Post: ['title', 'status', 'author.name', 'secret', 'score'],
  Comment: ['text', 'authorId', 'likes'],
  User: ['name', 'email', 'secret'],
};
const REASONS = ['Archived posts are read-only', 'no, 😀', 'x,y', '', 'Only the author'];

// ---- values and subjects -------------------------------------------------------------------

function scalar(r, kind) {
  return r.chance(0.75) ? r.pick(POOLS[kind]) : r.pick(MIXED);
}

function genTags(r) {
  const x = r.next();
  if (x < 0.05) return r.pick([null, 3, true, {}]);
  const n = r.pick([0, 1, 1, 2, 2, 3]);
  const out = [];
  for (let i = 0; i < n; i++) out.push(r.chance(0.9) ? r.pick(TAGS) : r.pick([1, 2, null, '']));
  return out;
}

function genAuthor(r) {
  const x = r.next();
  const one = () => {
    const a = {};
    if (r.chance(0.85)) a.id = scalar(r, 'id');
    if (r.chance(0.7)) a.name = r.pick(STRINGS);
    if (r.chance(0.5)) a.roles = r.sample(ROLES, r.int(3));
    return a;
  };
  if (x < 0.8) return one();
  if (x < 0.88) return null;
  if (x < 0.93) return [one(), one()];
  if (x < 0.97) return 'ada';
  return {};
}

function genComment(r) {
  const c = {};
  if (r.chance(0.75)) c.authorId = scalar(r, 'id');
  if (r.chance(0.6)) c.text = r.pick(STRINGS);
  if (r.chance(0.6)) c.likes = r.chance(0.8) ? r.int(4) : r.pick(MIXED);
  if (r.chance(0.5)) c.tags = r.sample(TAGS, r.int(3));
  return c;
}

function genComments(r) {
  const x = r.next();
  if (x < 0.85) {
    const n = r.pick([0, 1, 2, 2, 3]);
    return Array.from({ length: n }, () => genComment(r));
  }
  return r.pick([null, 5, {}, true]);
}

function genMeta(r) {
  const x = r.next();
  if (x < 0.6) return { a: { b: scalar(r, 'any') } };
  if (x < 0.75) return { a: null };
  if (x < 0.85) return { a: {} };
  if (x < 0.9) return { a: 5 };
  return null;
}

// One generator per top-level attribute of a subject.
const FIELD_GENS = {
  id: (r) => r.range(1, 5),
  authorId: (r) => (r.chance(0.85) ? r.pick(IDS) : r.pick(['1', null, 2.5, true])),
  title: (r) => r.pick(STRINGS),
  status: (r) => (r.chance(0.85) ? r.pick(STATUSES) : r.pick([null, 1, ''])),
  score: (r) => (r.chance(0.75) ? r.pick(NUMS) : r.pick(MIXED)),
  published: (r) => (r.chance(0.8) ? r.chance(0.5) : r.pick([1, 'true', null, 0])),
  deletedAt: (r) => r.pick([null, ...DATES]),
  missing: (r) => scalar(r, 'any'),
  tags: genTags,
  author: genAuthor,
  comments: genComments,
  meta: genMeta,
};
const PRESENCE = { id: 0.8, authorId: 0.8, title: 0.7, status: 0.7, score: 0.7, published: 0.6, deletedAt: 0.4, tags: 0.7, author: 0.6, comments: 0.5, meta: 0.35 };

/** genObject makes a subject's attributes: every key may be missing, null or of another type. */
export function genObject(r) {
  const o = {};
  for (const [k, p] of Object.entries(PRESENCE)) if (r.chance(p)) o[k] = FIELD_GENS[k](r);
  return o;
}

/**
 * bias edits obj so that most keys of `conditions` hold: for each key it regenerates the
 * top-level attribute the path starts with until CASL's own matcher accepts that key alone
 * (up to 40 tries), and leaves some keys alone so that near misses are common too.
 */
function bias(r, obj, conditions) {
  if (!conditions || typeof conditions !== 'object' || Array.isArray(conditions)) return;
  for (const [path, q] of Object.entries(conditions)) {
    if (r.chance(0.15)) continue;
    const top = path.split('.')[0];
    const gen = FIELD_GENS[top];
    if (!gen) continue;
    let test;
    try { test = mongoQueryMatcher({ [path]: q }); } catch { continue; }
    const had = Object.prototype.hasOwnProperty.call(obj, top);
    const before = obj[top];
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      obj[top] = gen(r);
      if (i % 4 === 3) delete obj[top];
      try { found = test(obj); } catch { found = false; }
    }
    if (!found) { if (had) obj[top] = before; else delete obj[top]; }
  }
}

// ---- conditions ----------------------------------------------------------------------------

/**
 * genFieldQuery returns the value for one condition path, and the tags it earns:
 *   malformed: CASL throws on it, or silently ignores an unknown operator (Go must reject it);
 *   inert: CASL accepts it but it can never match (object or array equality operands);
 *   options: $options without $regex (matches everything);
 *   re2: a JavaScript regex RE2 cannot compile (Go must reject it).
 */
function genFieldQuery(r, kind, shape, tags) {
  const val = () => scalar(r, kind);
  const op = r.weighted({
    implicit: 20, eq: 5, ne: 6, cmp: 10, range: 5, in: 8, nin: 6, all: shape === 'array' ? 8 : 3,
    size: shape === 'array' || shape === 'objects' ? 8 : 1,
    regex: ['str', 'status', 'tag', 'roles', 'date'].includes(kind) ? 16 : 3, elemMatch: shape === 'scalar' ? 1 : 10,
    exists: 6, null: 4, unknownAlone: 1.5, unknownMixed: 1.5, badOperand: 4, options: 1,
  });
  switch (op) {
    case 'implicit': {
      const x = r.next();
      if (x < 0.9) return val();
      tags.add('inert');
      if (x < 0.95) return [val()];
      return shape === 'objects' || kind === 'any' ? { authorId: 1 } : { id: val() };
    }
    case 'eq':
    case 'ne': {
      const v = r.chance(0.9) ? val() : r.pick([null, [val()], { id: 1 }]);
      if (v !== null && typeof v === 'object') tags.add('inert'); // $eq never / $ne always matches
      return { [op === 'eq' ? '$eq' : '$ne']: v };
    }
    case 'cmp': {
      const v = r.chance(0.85) ? val() : r.pick([...STRINGS, ...NUMS]);
      if (typeof v !== 'number' && typeof v !== 'string') tags.add('malformed'); // CASL throws
      return { [r.pick(['$lt', '$lte', '$gt', '$gte'])]: v };
    }
    case 'range': {
      const lo = r.pick(['$gt', '$gte']);
      const hi = r.pick(['$lt', '$lte']);
      if (kind === 'str' || kind === 'tag' || kind === 'date') return { [lo]: r.pick(POOLS[kind]), [hi]: r.pick(POOLS[kind]) };
      const a = r.pick(NUMS);
      return r.chance(0.5) ? { [lo]: a, [hi]: a + r.range(1, 5) } : { [hi]: a + r.range(1, 5), [lo]: a };
    }
    case 'in':
    case 'nin': {
      const list = Array.from({ length: r.range(0, 3) }, val);
      if (r.chance(0.15)) list.push(null);
      return { [op === 'in' ? '$in' : '$nin']: list };
    }
    case 'all': return { $all: Array.from({ length: r.pick([0, 1, 1, 2]) }, val) };
    case 'size': return { $size: r.pick([0, 1, 1, 2, 2, 3, 1.5, -1]) };
    case 'regex': {
      const x = r.next();
      let pattern;
      if (x < 0.9) pattern = r.pick(REGEX_OK);
      else if (x < 0.95) { pattern = r.pick(REGEX_GO_REJECT); tags.add('re2'); } else { pattern = r.pick(REGEX_BAD); tags.add('malformed'); }
      const q = { $regex: pattern };
      if (r.chance(0.4)) {
        const y = r.next();
        if (y < 0.91) q.$options = r.pick(FLAGS_OK);
        else if (y < 0.93) { q.$options = r.pick(['u', 'iu']); tags.add('re2'); } // unicode mode: Go refuses it
        else { q.$options = r.pick(FLAGS_BAD); tags.add('malformed'); }
      }
      // $options before $regex is as valid as after it
      return r.chance(0.2) && '$options' in q ? { $options: q.$options, $regex: q.$regex } : q;
    }
    case 'elemMatch': {
      if (shape === 'objects' || (shape !== 'array' && r.chance(0.3))) {
        // document-style: a query over the elements' fields (only on arrays of objects)
        const sub = {};
        const n = r.pick([0, 1, 1, 2]);
        const subPaths = r.sample([['authorId', 'id', 'scalar'], ['likes', 'num', 'scalar'], ['text', 'str', 'scalar'], ['tags', 'tag', 'array']], n);
        for (const [p, k, s] of subPaths) sub[p] = genFieldQuery(r, k, s, tags);
        return { $elemMatch: sub };
      }
      // operator-style: applies to each element itself
      const inner = r.weighted({ eq: 3, in: 2, regex: 2, range: 2, ne: 1, exists: 1 });
      if (inner === 'eq') return { $elemMatch: { $eq: val() } };
      if (inner === 'in') return { $elemMatch: { $in: [val(), val()] } };
      if (inner === 'regex') return { $elemMatch: { $regex: r.pick(REGEX_OK) } };
      if (inner === 'ne') return { $elemMatch: { $ne: val() } };
      if (inner === 'exists') return { $elemMatch: { $exists: r.chance(0.5) } };
      return { $elemMatch: { $gte: 1, $lt: r.range(2, 4) } };
    }
    case 'exists': return { $exists: r.chance(0.5) };
    case 'null': return r.pick([null, { $eq: null }, { $ne: null }, { $in: [null] }, { $nin: [null] }]);
    case 'unknownAlone':
      tags.add('malformed');
      return r.pick(UNKNOWN_FIELD_OPS)();
    case 'unknownMixed':
      tags.add('malformed');
      return { ...{ $eq: val() }, ...r.pick(UNKNOWN_FIELD_OPS)() };
    case 'options':
      tags.add('options');
      return { $options: r.pick(FLAGS_OK) };
    case 'badOperand': {
      tags.add('malformed');
      return r.pick([
        () => ({ [r.pick(['$lt', '$lte', '$gt', '$gte'])]: r.pick([null, true, false, [1], {}]) }),
        () => ({ [r.pick(['$in', '$nin', '$all'])]: r.pick([3, 'a', null, {}, true]) }),
        () => ({ $size: r.pick(['1', null, true, [1]]) }),
        () => ({ $exists: r.pick(['yes', 1, null, 0]) }),
        () => ({ $regex: r.pick([1, null, true, ['a']]) }),
        () => ({ $elemMatch: r.pick([3, 'a', null, [], true]) }),
      ])();
    }
  }
  throw new Error(`unreachable: ${op}`);
}

function genConditions(r, tags) {
  const conds = {};
  const n = r.pick([1, 1, 1, 2, 2, 3]);
  for (const [path, kind, shape] of r.sample(PATHS, n)) conds[path] = genFieldQuery(r, kind, shape, tags);
  if (r.chance(0.03)) {
    tags.add('malformed');
    const bad = r.pick(TOP_LEVEL_BAD)();
    return r.chance(0.5) ? { ...bad, ...conds } : { ...conds, ...bad };
  }
  return conds;
}

// ---- rules and checks ----------------------------------------------------------------------

function genAction(r, ctx) {
  const x = r.next();
  if (x < 0.55) return r.pick(ctx.actions);
  if (x < 0.68) return r.pick(ACTIONS);
  if (x < 0.78) return r.sample(ACTIONS, 2);
  if (x < 0.87) return 'manage';
  if (x < 0.97 && ctx.aliasNames.length) return r.pick(ctx.aliasNames);
  if (x < 0.99) return r.pick([['manage', 'read'], [r.pick(ctx.actions)]]);
  return [];
}

function genSubject(r, ctx) {
  const x = r.next();
  if (x < 0.55) return ctx.focus;
  if (x < 0.68) return r.pick(TYPES);
  if (x < 0.76) return r.sample(TYPES, 2);
  if (x < 0.84) return 'all';
  if (x < 0.91) return undefined;
  if (x < 0.94) return null;
  if (x < 0.96) return '';
  if (x < 0.995) return [ctx.focus];
  return [];
}

function genRule(r, ctx) {
  const tags = new Set();
  const rule = {};
  if (r.chance(0.99)) rule.action = genAction(r, ctx); else tags.add('malformed');
  const subject = genSubject(r, ctx);
  if (subject !== undefined) rule.subject = subject;
  if (r.chance(0.35)) rule.inverted = true;
  else if (r.chance(0.05)) rule.inverted = false;
  else if (r.chance(0.015)) rule.inverted = r.pick([1, 'yes', 0, '', null]); // any truthy value counts (§1)
  const c = r.next();
  if (c < 0.3) { /* no conditions */ } else if (c < 0.33) rule.conditions = null;
  else if (c < 0.38) rule.conditions = {};
  else if (c < 0.385) { rule.conditions = r.pick([[], [{ authorId: 1 }]]); tags.add('malformed'); } // CASL: keys of an array
  else rule.conditions = genConditions(r, tags);
  const f = r.next();
  if (f < 0.2) rule.fields = clone(r.pick(RULE_FIELDS));
  else if (f < 0.21) rule.fields = '';
  else if (f < 0.215) { rule.fields = []; tags.add('malformed'); }
  if (r.chance(0.12)) rule.reason = r.pick(REASONS);
  return { rule, tags };
}

const asList = (v) => (Array.isArray(v) ? v : [v]);

function genCheck(r, ctx, rules) {
  const check = {};
  // Most checks aim at one rule, mostly a conditional one: its action (or an action it
  // covers) and its type, and a subject biased to satisfy its conditions. The others are
  // drawn from the case's vocabulary.
  const conditional = rules.filter((rl) => rl.conditions && typeof rl.conditions === 'object');
  const target = !rules.length || r.chance(0.2) ? null : conditional.length && r.chance(0.75) ? r.pick(conditional) : r.pick(rules);
  const x = r.next();
  if (target && x < 0.9) {
    const acts = asList(target.action).filter((a) => typeof a === 'string');
    const a = acts.length ? r.pick(acts) : r.pick(ctx.actions);
    const covered = a === 'manage' ? [...ACTIONS, 'fly'] : ctx.aliases && ctx.aliases[a] ? asList(ctx.aliases[a]) : [];
    check.action = covered.length && r.chance(0.6) ? r.pick(covered) : a;
  } else if (x < 0.6) check.action = r.pick(ctx.actions);
  else if (x < 0.8) check.action = r.pick(ACTIONS);
  else if (x < 0.87) check.action = 'manage';
  else if (x < 0.95 && ctx.aliasNames.length) check.action = r.pick(ctx.aliasNames);
  else check.action = r.pick(['fly', 'Read', ...ACTIONS]); // unknown, and case-sensitive
  const y = r.next();
  const types = target ? asList(target.subject).filter((t) => typeof t === 'string' && t !== '' && t !== 'all') : [];
  if (types.length && y < 0.9) check.subjectType = r.pick(types);
  else check.subjectType = y < 0.65 ? ctx.focus : y < 0.85 ? r.pick(TYPES) : y < 0.97 ? 'all' : '';
  if (r.chance(0.35)) {
    check.subject = null;
  } else {
    const obj = genObject(r);
    if (target && target.conditions && r.chance(0.85)) bias(r, obj, target.conditions);
    else if (conditional.length && r.chance(0.5)) bias(r, obj, r.pick(conditional).conditions);
    check.subject = obj;
  }
  if (r.chance(ctx.hasFields ? 0.4 : 0.08)) check.field = r.pick(CHECK_FIELDS);
  if (r.chance(0.25)) check.permittedFields = true;
  return check;
}

/**
 * generateCase returns {input, meta} for case k of a seed: input is the protocol line; meta has
 * the seed, k and per-rule tags (see genFieldQuery) that diff.mjs uses for its warnings.
 */
export function generateCase(seed, k) {
  const r = new Rand(`${seed}:${k}`);
  const ctx = { focus: r.pick(TYPES), actions: r.sample(ACTIONS, r.range(1, 3)), aliasNames: [] };
  const input = {};
  let aliasTags = [];
  if (r.chance(0.3)) {
    if (r.chance(0.07)) { input.aliases = clone(r.pick(BAD_ALIAS_MAPS)); aliasTags = ['malformed']; } else input.aliases = clone(r.pick(ALIAS_MAPS));
    ctx.aliasNames = Object.keys(input.aliases);
    ctx.aliases = input.aliases;
  }
  const nRules = r.chance(0.03) ? 0 : r.chance(0.12) ? r.range(8, 16) : r.range(1, 6);
  const rules = [];
  const ruleTags = [];
  for (let i = 0; i < nRules; i++) {
    const { rule, tags } = genRule(r, ctx);
    rules.push(rule);
    ruleTags.push([...tags]);
  }
  ctx.hasFields = rules.some((rl) => rl.fields);
  input.rules = rules;
  if (r.chance(0.5)) input.allFields = clone(ALL_FIELDS);
  const nChecks = r.range(5, 8);
  input.checks = Array.from({ length: nChecks }, () => genCheck(r, ctx, rules));
  return { input, meta: { seed: String(seed), k, ruleTags, aliasTags } };
}

// ---- command -------------------------------------------------------------------------------

/** parseArgs reads --name value / --name=value / --flag into an object. */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    if (eq >= 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = true;
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const seed = args.seed ?? '1';
  const ks = args.only !== undefined ? String(args.only).split(',').map(Number) : [...Array(Number(args.cases ?? 100)).keys()];
  for (const k of ks) process.stdout.write(JSON.stringify(generateCase(seed, k).input) + '\n');
}
