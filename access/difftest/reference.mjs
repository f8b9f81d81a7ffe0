// reference.mjs: the `krag access eval` protocol answered by the real @casl/ability 7.0.1.
//
// As a command it reads JSON lines on stdin (one test case each) and writes one JSON line per
// input line, exactly as `krag access eval` must (see README.md, "The protocol"). diff.mjs
// imports evaluate() and runs it in-process.
//
// Input:  {"rules":[…], "aliases":{…}?, "allFields":{"Type":[…]}?, "checks":[{"action","subjectType",
//          "subject":{…}|null, "field"?, "permittedFields"?:true}]}
// Output: {"packed":…, "results":[{"can","rule","permittedFields"?,"where"?} | {"error"}]}
//         or {"error":"…"} when the ability cannot be built.

import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { buildMongoQueryMatcher, createAliasResolver, createMongoAbility, subject as tagSubject } from '@casl/ability';
import { packRules, permittedFieldsOf, rulesToCondition } from '@casl/ability/extra';

const hasOwn = (o, k) => o != null && Object.prototype.hasOwnProperty.call(o, k);

/** errorMessage turns anything CASL throws into the protocol's error string. */
export function errorMessage(e) {
  if (e && typeof e === 'object' && 'message' in e) return String(e.message);
  return String(e);
}

/**
 * strictCompare is a comparison without JavaScript's coercions: only two numbers or two
 * strings are ordered (strings by code point, as Go compares them); anything else is equal
 * only when identical and otherwise incomparable (2 is neither less, equal nor greater to the
 * @ucast/js interpreters, so $lt/$gt/... are false). Used only to flag checks whose answer
 * depends on JavaScript's loose ordering (casl-semantics.md §8.4).
 */
export function strictCompare(a, b) {
  if (a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a > b ? 1 : a < b ? -1 : 2;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < x.length && i < y.length; i++) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) return d > 0 ? 1 : -1;
    }
    return x.length > y.length ? 1 : -1;
  }
  return 2;
}

let strictMatcher;

/**
 * buildAbility builds the ability for one input line as the protocol prescribes:
 * createMongoAbility(rules, {resolveAction: createAliasResolver(aliases)}) when aliases are
 * given. With strict: true the conditions use strictCompare instead of CASL's comparison.
 */
export function buildAbility(input, { strict = false } = {}) {
  const options = {};
  if (input.aliases != null) options.resolveAction = createAliasResolver(input.aliases);
  if (strict) {
    strictMatcher ??= buildMongoQueryMatcher({}, {}, { compare: strictCompare });
    options.conditionsMatcher = strictMatcher;
  }
  return createMongoAbility(input.rules, options);
}

/** checkSubject is what CASL is asked about: the type name, or the object tagged with it. */
function checkSubject(check) {
  return check.subject == null ? check.subjectType : tagSubject(check.subjectType, check.subject);
}

const whereBuilders = { and: (c) => ({ AND: c }), or: (c) => ({ OR: c }), empty: () => ({}) };
const whereConvert = (rule) => (rule.inverted ? { NOT: rule.conditions } : rule.conditions);

/** whereFor is @casl/prisma's accessibleBy(...).ofType(T) with the Mongo conditions kept. */
export function whereFor(ability, action, subjectType) {
  return rulesToCondition(ability.rulesFor(action, subjectType), whereConvert, whereBuilders) ?? { OR: [] };
}

// evalCheck returns the protocol result of one check. When only permittedFieldsOf threw (it
// evaluates every candidate rule, also those below the deciding one), `partial` keeps the
// {can, rule} that relevantRuleFor had answered, so diff.mjs can still compare them.
function evalCheck(ability, input, check, ruleIndex) {
  let partial = null;
  try {
    if (!check || typeof check !== 'object') throw new Error('a check must be an object');
    const { action, subjectType } = check;
    const subj = checkSubject(check);
    const rule = ability.relevantRuleFor(action, subj, check.field);
    const res = { can: !!rule && !rule.inverted, rule: rule ? (ruleIndex.get(rule.origin) ?? -1) : -1 };
    if (check.subject == null && !check.field) res.where = whereFor(ability, action, subjectType);
    if (check.permittedFields) {
      partial = { ...res };
      const all = hasOwn(input.allFields, subjectType) ? input.allFields[subjectType] : undefined;
      res.permittedFields = permittedFieldsOf(ability, action, subj, { fieldsFrom: (r) => r.fields || all || [] });
      partial = null;
    }
    // the protocol's key order: can, rule, permittedFields, where
    const { where, ...rest } = res;
    return { result: where === undefined ? rest : { ...rest, where }, partial };
  } catch (e) {
    return { result: { error: errorMessage(e) }, partial };
  }
}

/**
 * evaluate answers one input line. It returns {output, meta}: output is the protocol line;
 * meta (null after a line error) holds, per check, `candidates`: the indices of CASL's
 * candidate rules for (action, subjectType) (casl-semantics.md §2), which diff.mjs uses to
 * decide whether a rule the Go side rejected could have influenced that check, and `partial`:
 * {can, rule} when only permittedFieldsOf threw (else null).
 */
export function evaluate(input) {
  let ability;
  try {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('a test case must be a JSON object');
    if (!Array.isArray(input.checks)) throw new Error('"checks" must be an array');
    ability = buildAbility(input);
  } catch (e) {
    return { output: { error: errorMessage(e) }, meta: null };
  }
  const ruleIndex = new Map();
  input.rules.forEach((r, i) => { if (r && typeof r === 'object' && !ruleIndex.has(r)) ruleIndex.set(r, i); });
  let packed;
  try {
    packed = packRules(input.rules);
  } catch (e) {
    return { output: { error: errorMessage(e) }, meta: null };
  }
  const evaluated = input.checks.map((c) => evalCheck(ability, input, c, ruleIndex));
  const results = evaluated.map((x) => x.result);
  const partial = evaluated.map((x) => x.partial);
  const candidates = input.checks.map((c) => {
    try {
      return ability.possibleRulesFor(c.action, c.subjectType).map((r) => ruleIndex.get(r.origin));
    } catch {
      return [];
    }
  });
  return { output: { packed, results }, meta: { candidates, partial } };
}

/**
 * decideStrict re-decides one check with strictCompare; it returns {can, rule} or null when
 * that throws. diff.mjs notes a disagreement as "jsCompare" when this differs from CASL.
 */
export function decideStrict(input, check) {
  try {
    const ability = buildAbility(input, { strict: true });
    const ruleIndex = new Map(input.rules.map((r, i) => [r, i]));
    const rule = ability.relevantRuleFor(check.action, checkSubject(check), check.field);
    return { can: !!rule && !rule.inverted, rule: rule ? (ruleIndex.get(rule.origin) ?? -1) : -1 };
  } catch {
    return null;
  }
}

/** evaluateText answers one raw input line (as the command does). */
export function evaluateText(line) {
  let input;
  try {
    input = JSON.parse(line);
  } catch (e) {
    return { error: `invalid JSON: ${errorMessage(e)}` };
  }
  return evaluate(input).output;
}

async function main() {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    if (!process.stdout.write(JSON.stringify(evaluateText(line)) + '\n')) await once(process.stdout, 'drain');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
