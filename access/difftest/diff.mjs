// diff.mjs: runs generated test cases through the real @casl/ability (reference.mjs, in-process)
// and through `$KRAG_BIN access eval` (spawned once, lines streamed), and compares them answer
// by answer. See README.md for the classification of disagreements.
//
//   KRAG_BIN=/tmp/krag node diff.mjs [--cases N] [--seed S] [--only K,K2] [--show N]
//                                    [--shrink N] [--timeout SECONDS] [--failures FILE]
//                                    [--kinds KIND,KIND]  (show only failures of these kinds)
//
// Exit status: 0 when there is no failure, 1 when there is one, 2 on a usage error.

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { mongoQueryMatcher } from '@casl/ability';
import { generateCase, parseArgs } from './generate.mjs';
import { decideStrict, evaluate } from './reference.mjs';

const DEFAULT_CASES = 2000; // 5 to 8 checks each: at least 10,000 checks

// ---- the Go side: one long-lived `$KRAG_BIN access eval` -----------------------------------

/** GoProcess sends lines to `bin access eval` and resolves each with its answer line, in order. */
class GoProcess {
  constructor(bin) {
    this.bin = bin;
    this.pending = [];
    this.stderr = '';
    this.closed = false;
    this.child = spawn(bin, ['access', 'eval'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // EPIPE after a crash: reported through 'close'
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      const p = this.pending.shift();
      if (p) p.resolve(line);
      else this.stray = (this.stray ?? 0) + 1;
    });
    const fail = (why) => {
      if (this.closed) return;
      this.closed = true;
      this.why = why;
      for (const p of this.pending.splice(0)) p.reject(new Error(why));
    };
    this.child.on('error', (e) => fail(`cannot run ${bin}: ${e.message}`));
    this.child.on('close', (code, signal) => {
      const tail = this.stderr.trim() ? `; stderr: ${this.stderr.trim().split('\n').slice(-8).join('\n    ')}` : '';
      fail(`\`${bin} access eval\` exited (${signal ?? `code ${code}`}) before answering${tail}`);
    });
  }

  send(line) {
    return new Promise((res, rej) => {
      if (this.closed) return rej(new Error(this.why));
      this.pending.push({ resolve: res, reject: rej });
      this.child.stdin.write(line + '\n');
    });
  }

  /** kill ends the process this object started (by its own pid). */
  kill() {
    if (!this.closed && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  async close() {
    if (this.closed) return;
    this.child.stdin.end();
    const done = new Promise((r) => this.child.once('close', r));
    const timer = setTimeout(() => this.kill(), 3000);
    await done;
    clearTimeout(timer);
  }
}

const withTimeout = (p, ms, onTimeout) => {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => { onTimeout(); rej(new Error(`no answer within ${ms / 1000} s`)); }, ms); })])
    .finally(() => clearTimeout(t));
};

// ---- comparing -----------------------------------------------------------------------------

/** canon is JSON with object keys sorted: deep equality that ignores key order. */
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}
const deepEqual = (a, b) => canon(a) === canon(b);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** evalWhere evaluates a WHERE tree (AND/OR/NOT over Mongo conditions) on one object, as CASL would. */
function evalWhere(w, obj) {
  if (!isObj(w)) throw new Error('a WHERE node must be an object');
  const keys = Object.keys(w);
  if (keys.length === 1 && keys[0] === 'AND' && Array.isArray(w.AND)) return w.AND.every((c) => evalWhere(c, obj));
  if (keys.length === 1 && keys[0] === 'OR' && Array.isArray(w.OR)) return w.OR.some((c) => evalWhere(c, obj));
  if (keys.length === 1 && keys[0] === 'NOT') return !evalWhere(w.NOT, obj);
  return mongoQueryMatcher(w)(obj);
}

/**
 * whereGrantsMore returns a sample object that Go's WHERE matches and CASL's does not (a CASL
 * WHERE that throws counts as matching nothing, a Go WHERE that throws as matching everything).
 */
function whereGrantsMore(goWhere, caslWhere, samples) {
  for (const o of samples) {
    let g, c, why = '';
    try { g = evalWhere(goWhere, o); } catch (e) { g = true; why += ` (Go's WHERE throws on it: ${e.message})`; }
    try { c = evalWhere(caslWhere, o); } catch (e) { c = false; why += ` (CASL's WHERE throws on it, as can() would: ${e.message})`; }
    if (g && !c) return `Go's WHERE matches ${JSON.stringify(o)}, CASL's does not${why}`;
  }
  return null;
}

/** invalidSet reads the Go line's optional "invalid": [{rule, error}] into a Set of indices. */
function invalidSet(go) {
  const s = new Set();
  if (Array.isArray(go?.invalid)) for (const x of go.invalid) if (isObj(x) && Number.isInteger(x.rule)) s.add(x.rule);
  return s;
}

/**
 * judge compares one case. input is the protocol line, ref what reference.mjs answered
 * ({output, meta}), goText the Go side's raw answer line (or an Error when it never came).
 * It returns {findings, lineFindings}: findings has one entry per check, lineFindings the
 * failures or allowances about the whole line (packed, protocol, crash). Each entry is
 * {verdict: 'agree'|'allowed'|'fail', kind, detail?}.
 */
function judge(input, ref, goText) {
  const n = input.checks.length;
  const lineFindings = [];
  const all = (f) => ({ findings: Array.from({ length: n }, () => ({ ...f })), lineFindings });
  if (goText instanceof Error) {
    const kind = goText.message.startsWith('timeout') ? 'timeout' : 'crash';
    lineFindings.push({ verdict: 'fail', kind, detail: goText.message });
    return all({ verdict: 'fail', kind });
  }
  let go;
  try {
    go = JSON.parse(goText);
  } catch {
    lineFindings.push({ verdict: 'fail', kind: 'protocol', detail: 'the answer line is not JSON' });
    return all({ verdict: 'fail', kind: 'protocol' });
  }
  if (!isObj(go)) {
    lineFindings.push({ verdict: 'fail', kind: 'protocol', detail: 'the answer line is not a JSON object' });
    return all({ verdict: 'fail', kind: 'protocol' });
  }
  const caslLine = ref.output;
  const goLineError = typeof go.error === 'string' && !has(go, 'results');
  if (!goLineError && (!Array.isArray(go.results) || go.results.length !== n)) {
    lineFindings.push({ verdict: 'fail', kind: 'protocol', detail: `want "results" with ${n} entries or a line "error"` });
    return all({ verdict: 'fail', kind: 'protocol' });
  }
  const invalid = invalidSet(go);

  if (has(caslLine, 'error')) {
    if (goLineError) return all({ verdict: 'agree', kind: 'both-line-error' });
    return { findings: go.results.map((g) => judgeOnCaslError(g)), lineFindings };
  }
  if (goLineError) {
    lineFindings.push({ verdict: 'allowed', kind: 'go-line-error', detail: go.error });
    return { findings: caslLine.results.map((r) => ('error' in r ? { verdict: 'agree', kind: 'both-error' } : { verdict: 'allowed', kind: 'go-line-error' })), lineFindings };
  }

  const packed = judgePacked(caslLine.packed, go.packed, invalid, input.rules);
  if (packed) lineFindings.push(packed);
  const samples = [{}, ...input.checks.filter((c) => isObj(c.subject)).map((c) => JSON.parse(JSON.stringify(c.subject)))];
  const findings = caslLine.results.map((r, i) => {
    const relevant = (ref.meta.candidates[i] ?? []).some((j) => invalid.has(j));
    const partial = ref.meta.partial?.[i];
    if (partial && 'error' in r) return judgePartial(r, partial, go.results[i], relevant, samples);
    return judgeCheck(r, go.results[i], relevant, samples);
  });
  return { findings, lineFindings };
}

/**
 * judgePacked compares packRules output entry by entry (each entry as JSON.stringify writes it).
 * The Go side may pack a rule it rejected differently only in a way that cannot grant more in
 * a browser that unpacks it: it may leave out rejected `can` rules, and it may send a rejected
 * rule as any `cannot` (inverted flag 1). Anything else is a failure.
 */
function judgePacked(caslPacked, goPacked, invalid, rules) {
  const S = JSON.stringify;
  if (S(caslPacked) === S(goPacked)) return null;
  const show = (xs) => xs.map(([i, e]) => `#${i} ${S(e)}`).join(' ');
  if (!Array.isArray(goPacked)) return { verdict: 'fail', kind: 'packed', detail: `Go's "packed" is not an array: ${S(goPacked)}` };
  let mine = caslPacked.map((e, i) => [i, e]);
  const dropped = goPacked.length < mine.length;
  if (dropped) mine = mine.filter(([i]) => !(invalid.has(i) && !rules[i]?.inverted));
  if (mine.length !== goPacked.length) {
    return { verdict: 'fail', kind: 'packed', detail: `CASL packs ${caslPacked.length} rules, Go ${goPacked.length}:\n    CASL ${S(caslPacked)}\n    Go   ${S(goPacked)}` };
  }
  const bad = mine.filter(([i, e], j) => S(e) !== S(goPacked[j]) && !(invalid.has(i) && Array.isArray(goPacked[j]) && goPacked[j][3] === 1));
  if (bad.length) {
    const goSide = bad.map(([i]) => [i, goPacked[mine.findIndex(([x]) => x === i)]]);
    return { verdict: 'fail', kind: 'packed', detail: `packed entries differ:\n    CASL ${show(bad)}\n    Go   ${show(goSide)}` };
  }
  return { verdict: 'allowed', kind: dropped ? 'packed-without-rejected-can' : 'packed-rejected-as-cannot' };
}

function judgeOnCaslError(g) {
  if (!isObj(g)) return { verdict: 'fail', kind: 'protocol', detail: 'a result must be an object' };
  if (has(g, 'error')) return { verdict: 'agree', kind: 'both-error' };
  if (g.can === false) return { verdict: 'allowed', kind: 'casl-threw-go-denied' };
  if (g.can === true) return { verdict: 'fail', kind: 'grant-on-casl-error' };
  return { verdict: 'fail', kind: 'protocol', detail: '"can" must be a boolean' };
}

// judgePartial: CASL answered can/rule (and where) but permittedFieldsOf threw. can, rule and
// where are judged as usual; Go's permittedFields must then be an error or empty (a "denial").
function judgePartial(r, partial, g, relevant, samples) {
  if (!isObj(g)) return { verdict: 'fail', kind: 'protocol', detail: 'a result must be an object' };
  if (has(g, 'error')) return { verdict: 'agree', kind: 'both-error' }; // the protocol answer is an error on both sides
  const { permittedFields: goFields, ...gRest } = g;
  const f = judgeCheck(partial, gRest, relevant, samples);
  if (f.verdict === 'fail') return f;
  if (Array.isArray(goFields) && goFields.length) {
    return { verdict: 'fail', kind: 'permittedFields-on-casl-error', detail: `CASL's permittedFieldsOf threw: ${r.error}` };
  }
  return f.verdict === 'agree' ? { verdict: 'allowed', kind: 'casl-threw-go-denied' } : f;
}

function judgeCheck(r, g, relevant, samples) {
  if (!isObj(g)) return { verdict: 'fail', kind: 'protocol', detail: 'a result must be an object' };
  if (has(r, 'error')) return judgeOnCaslError(g);
  if (has(g, 'error')) return relevant ? { verdict: 'allowed', kind: 'go-error-on-invalid' } : { verdict: 'fail', kind: 'go-error' };
  if (typeof g.can !== 'boolean') return { verdict: 'fail', kind: 'protocol', detail: '"can" must be a boolean' };
  if (g.can && !r.can) return { verdict: 'fail', kind: 'can-grant' }; // never allowed
  const diffs = [];
  if (g.can !== r.can) diffs.push('can');
  if (g.rule !== r.rule) diffs.push('rule');
  if ((has(r, 'permittedFields') || has(g, 'permittedFields')) && !deepEqual(r.permittedFields, g.permittedFields)) diffs.push('permittedFields');
  if ((has(r, 'where') || has(g, 'where')) && !deepEqual(r.where, g.where)) diffs.push('where');
  if (!diffs.length) return { verdict: 'agree', kind: 'agree' };
  if (!relevant) return { verdict: 'fail', kind: diffs[0] === 'can' ? 'can-deny' : diffs[0], diffs };
  // Go reported a candidate rule invalid: a stricter answer is its documented fail-closed behaviour.
  if (diffs.includes('permittedFields')) {
    const mine = new Set(r.permittedFields ?? []);
    if (!Array.isArray(g.permittedFields) || g.permittedFields.some((f) => !mine.has(f))) {
      return { verdict: 'fail', kind: 'permittedFields-grant', diffs };
    }
  }
  if (diffs.includes('where')) {
    if (!has(g, 'where') || !has(r, 'where')) return { verdict: 'fail', kind: 'where', diffs };
    const why = whereGrantsMore(g.where, r.where, samples);
    if (why) return { verdict: 'fail', kind: 'where-grant', diffs, detail: why };
  }
  return { verdict: 'allowed', kind: 'fail-closed', diffs };
}

// ---- printing ------------------------------------------------------------------------------

// Characters that print invisibly or like others (U+2028 like a space, U+212A like K) are shown
// as \u escapes; the text stays valid JSON with the same content.
const CONFUSABLE = new Set(['\u212A', '\u017F', '\uFF21']);
const escapeOdd = (text) => String(text).replace(/[^\x20-\x7e]/gu, (ch) => (
  /[\p{C}\p{Z}]/u.test(ch) || CONFUSABLE.has(ch)
    ? [...ch].map((c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join('')
    : ch));
/** J is JSON.stringify for printing (see escapeOdd). */
const J = (v) => escapeOdd(JSON.stringify(v));

// ---- notes for triage ----------------------------------------------------------------------

const WELL_FORMED_OK = new Set(['inert', 'options', 're2', 'malformed']);

function hasRegex(v) {
  if (Array.isArray(v)) return v.some(hasRegex);
  if (isObj(v)) return Object.entries(v).some(([k, x]) => k === '$regex' || hasRegex(x));
  return false;
}

/** notes explains what a failing check touches: JS-only ordering, regex text edges, rejected rules. */
function notes(input, ref, check, ci, go, meta) {
  const out = [];
  if (check && isObj(check.subject)) {
    const strict = decideStrict(JSON.parse(JSON.stringify(input)), JSON.parse(JSON.stringify(check)));
    const casl = ref.output.results?.[ci];
    if (strict && casl && !('error' in casl) && (strict.can !== casl.can || strict.rule !== casl.rule)) {
      out.push(`jsCompare: with same-type ordering (no coercion, missing/null not < anything, strings by code point) CASL would say can=${strict.can} rule=${strict.rule}`);
    }
    const cands = ref.meta?.candidates[ci] ?? [];
    if (cands.some((j) => hasRegex(input.rules[j]?.conditions)) && /[^\x20-\x7e]/.test(JSON.stringify(check.subject))) {
      out.push('regexText: a candidate rule has $regex and the subject has non-ASCII or control characters (JS regexes without /u see UTF-16 code units, so `.` is half an emoji; `.` and multiline `^` `$` treat \\r, U+2028, U+2029 as line ends; /i folds only within ASCII for ASCII patterns, so `\\w`, `[a-z]`, `k`, `s` do not match U+212A or U+017F)');
    }
  }
  if (meta) {
    const tagged = meta.ruleTags.map((t, i) => (t.length ? `#${i}: ${t.join(',')}` : null)).filter(Boolean);
    if (tagged.length) out.push(`generator tags: ${tagged.join('; ')}`);
  }
  let parsed;
  try { parsed = JSON.parse(go); } catch { /* not JSON */ }
  if (Array.isArray(parsed?.invalid) && parsed.invalid.length) out.push(`Go rejected: ${JSON.stringify(parsed.invalid)}`);
  return out;
}

// ---- shrinking -----------------------------------------------------------------------------

/**
 * shrink greedily removes rules, checks, options, condition keys and subject keys from a
 * failing case while the Go side still fails the same way (same kind), asking Go one line at a
 * time. It returns the smallest case found and its answers.
 */
async function shrink(ctx, input, ci, kind, budget = 250) {
  const lineKind = ci === null;
  let cur = JSON.parse(JSON.stringify(input));
  cur.checks = lineKind ? [] : [cur.checks[ci]];
  let tries = 0;
  const fails = async (cand) => {
    tries++;
    const { ref, goText } = await ctx.runOne(cand);
    const { findings, lineFindings } = judge(cand, ref, goText);
    const list = lineKind ? lineFindings : findings.slice(0, 1);
    return list.some((f) => f.verdict === 'fail' && f.kind === kind);
  };
  if (!(await fails(cur))) {
    // Alone, the check does not fail (the Go side may carry state from one check to the
    // next): shrink with the failing check first and the others after it.
    cur = JSON.parse(JSON.stringify(input));
    if (!lineKind) cur.checks = [cur.checks[ci], ...cur.checks.filter((_, i) => i !== ci)];
  }
  const attempt = async (mutate) => {
    if (tries >= budget) return false;
    const cand = JSON.parse(JSON.stringify(cur));
    if (mutate(cand) === false) return false;
    if (await fails(cand)) { cur = cand; return true; }
    return false;
  };
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (let i = cur.rules.length - 1; i >= 0; i--) if (await attempt((c) => { c.rules.splice(i, 1); })) progress = true;
    for (let i = cur.checks.length - 1; i >= 1; i--) if (await attempt((c) => { c.checks.splice(i, 1); })) progress = true;
    for (const key of ['aliases', 'allFields']) if (key in cur && await attempt((c) => { delete c[key]; })) progress = true;
    for (let i = 0; i < cur.rules.length; i++) {
      for (const key of ['reason', 'fields', 'inverted', 'conditions']) {
        if (key in cur.rules[i] && await attempt((c) => { delete c.rules[i][key]; })) progress = true;
      }
      for (const key of ['action', 'subject']) {
        if (Array.isArray(cur.rules[i][key]) && cur.rules[i][key].length > 1) {
          for (let j = cur.rules[i][key].length - 1; j >= 0; j--) {
            if (await attempt((c) => { if (!c.rules[i][key][j]) return false; c.rules[i][key].splice(j, 1); })) progress = true;
          }
        }
      }
      const conds = cur.rules[i].conditions;
      if (isObj(conds) && Object.keys(conds).length > 1) {
        for (const k of Object.keys(conds)) if (await attempt((c) => { if (!isObj(c.rules[i].conditions) || !(k in c.rules[i].conditions)) return false; delete c.rules[i].conditions[k]; })) progress = true;
      }
    }
    for (let j = 0; j < cur.checks.length; j++) {
      const s = cur.checks[j].subject;
      if (isObj(s)) for (const k of Object.keys(s)) if (await attempt((c) => { delete c.checks[j].subject[k]; })) progress = true;
      for (const key of ['field', 'permittedFields']) if (key in cur.checks[j] && await attempt((c) => { delete c.checks[j][key]; })) progress = true;
    }
  }
  const { ref, goText } = await ctx.runOne(cur);
  return { input: cur, ref, goText, tries };
}

// ---- main ----------------------------------------------------------------------------------

function usage(msg) {
  process.stderr.write(`diff.mjs: ${msg}\n`);
  process.exit(2);
}

async function main() {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { usage(e.message); }
  const bin = process.env.KRAG_BIN;
  if (!bin) {
    usage('KRAG_BIN is not set. Point it at a krag binary that has `access eval`, e.g.\n' +
      '  (cd ../.. && go build -o /tmp/krag ./cmd/krag) && KRAG_BIN=/tmp/krag npm test\n' +
      'or, to test the harness itself, at testdata/krag-reference.sh (must agree) or testdata/krag-flip.sh (must fail).');
  }
  const binPath = resolve(bin);
  const seed = String(args.seed ?? process.env.DIFFTEST_SEED ?? randomInt(1, 2 ** 31));
  const nCases = Number(args.cases ?? DEFAULT_CASES);
  if (!Number.isInteger(nCases) || nCases < 0) usage('--cases wants a whole number');
  const ks = args.only !== undefined ? String(args.only).split(',').map(Number) : [...Array(nCases).keys()];
  const show = Number(args.show ?? 10);
  const shrinkN = Number(args.shrink ?? 5);
  const timeoutMs = Number(args.timeout ?? 45) * 1000;
  const t0 = performance.now();
  const reproduce = `KRAG_BIN=${bin} node diff.mjs --seed ${seed}`;

  // 1. generate, 2. CASL in-process
  const cases = ks.map((k) => generateCase(seed, k));
  const tGen = performance.now();
  const refs = cases.map(({ input }) => evaluate(JSON.parse(JSON.stringify(input))));
  const tRef = performance.now();

  // 3. Go, one process streaming every line (restarted after a crash, from the next case on)
  const lines = cases.map(({ input }) => JSON.stringify(input));
  const goAnswers = new Array(cases.length); // the answer line, or an Error
  const notRun = new Set();
  let go;
  let restarts = 0;
  let silent = 0;
  let from = 0;
  const deadline = Date.now() + timeoutMs;
  while (from < cases.length) {
    const start = from;
    const proc = (go = new GoProcess(binPath));
    const promises = lines.slice(start).map((l, j) => proc.send(l).then((v) => { goAnswers[start + j] = v; }, (e) => { goAnswers[start + j] = e; }));
    const inTime = await withTimeout(Promise.all(promises), Math.max(1, deadline - Date.now()), () => proc.kill()).then(() => true, () => false);
    if (!inTime) await Promise.all(promises); // settles: kill() rejects what is pending
    const firstBad = goAnswers.findIndex((a, i) => i >= start && a instanceof Error);
    if (firstBad < 0) break;
    if (!inTime) {
      goAnswers[firstBad] = new Error(`timeout: no answer within ${timeoutMs / 1000} s overall (--timeout); this was the first unanswered case`);
      for (let i = firstBad + 1; i < cases.length; i++) notRun.add(i);
      break;
    }
    silent = firstBad === start ? silent + 1 : 0;
    if (silent >= 2 || goAnswers[firstBad].message.startsWith('cannot run')) {
      console.error(`diff.mjs: the Go side answers nothing: ${goAnswers[firstBad].message}`);
      process.exit(2);
    }
    if (++restarts > 20) {
      for (let i = firstBad + 1; i < cases.length; i++) notRun.add(i);
      break;
    }
    from = firstBad + 1;
  }
  const tGo = performance.now();
  const stray = go.stray ?? 0; // answer lines nobody asked for: the answers after them are misaligned

  // 4. compare
  const counts = { checks: 0, agree: 0, allowed: 0, failed: 0, lineFailed: 0 };
  const allowedKinds = {};
  const failKinds = {};
  const failures = []; // {caseIdx, ci, finding}
  const warnings = [];
  const coverage = { can: 0, cannot: 0, error: 0, lineError: 0, type: 0, instance: 0, field: 0, permittedFields: 0, where: 0 };
  cases.forEach(({ input, meta }, idx) => {
    if (notRun.has(idx)) return;
    const ref = refs[idx];
    const { findings, lineFindings } = judge(input, ref, goAnswers[idx]);
    for (const f of lineFindings) {
      if (f.verdict === 'allowed') allowedKinds[`line:${f.kind}`] = (allowedKinds[`line:${f.kind}`] ?? 0) + 1;
      if (f.verdict === 'fail') {
        counts.lineFailed++;
        failKinds[f.kind] = (failKinds[f.kind] ?? 0) + 1;
        failures.push({ caseIdx: idx, ci: null, finding: f });
      }
    }
    const crashed = lineFindings.some((f) => ['crash', 'timeout', 'protocol'].includes(f.kind));
    findings.forEach((f, ci) => {
      counts.checks++;
      const c = input.checks[ci];
      const r = ref.output.results?.[ci];
      if (!r) coverage.lineError++;
      else if ('error' in r) coverage.error++;
      else {
        coverage[r.can ? 'can' : 'cannot']++;
        if ('where' in r) coverage.where++;
        if ('permittedFields' in r) coverage.permittedFields++;
      }
      coverage[c.subject == null ? 'type' : 'instance']++;
      if (c.field) coverage.field++;
      if (f.verdict === 'agree') counts.agree++;
      else if (f.verdict === 'allowed') { counts.allowed++; allowedKinds[f.kind] = (allowedKinds[f.kind] ?? 0) + 1; } else {
        counts.failed++;
        if (!crashed) { failKinds[f.kind] = (failKinds[f.kind] ?? 0) + 1; failures.push({ caseIdx: idx, ci, finding: f }); }
      }
    });
    // warnings: Go rejected something the generator made well-formed
    if (!(goAnswers[idx] instanceof Error)) {
      let go;
      try { go = JSON.parse(goAnswers[idx]); } catch { return; }
      const suspicious = [...invalidSet(go)].filter((j) => !(meta.ruleTags[j] ?? []).some((t) => WELL_FORMED_OK.has(t)));
      if (suspicious.length) warnings.push({ k: meta.k, what: `Go rejected rule(s) ${suspicious.join(', ')} that the generator made well-formed` });
      const anyTagged = meta.aliasTags.length || meta.ruleTags.some((t) => t.some((x) => WELL_FORMED_OK.has(x)));
      if (isObj(go) && typeof go.error === 'string' && !('results' in go) && !('error' in ref.output) && !anyTagged) {
        warnings.push({ k: meta.k, what: `Go refused to build a case the generator made well-formed: ${go.error}` });
      }
    }
  });
  const tCmp = performance.now();

  // 5. report
  const fmt = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  console.log(`difftest: seed ${seed}, ${cases.length} cases, ${counts.checks} checks, Go: ${bin} access eval${restarts ? ` (restarted ${restarts}x after crashes)` : ''}`);
  console.log(`  time: generate ${((tGen - t0) / 1000).toFixed(1)} s, CASL ${((tRef - tGen) / 1000).toFixed(1)} s, Go ${((tGo - tRef) / 1000).toFixed(1)} s, compare ${((tCmp - tGo) / 1000).toFixed(1)} s`);
  console.log(`  CASL answered: can ${coverage.can}, cannot ${coverage.cannot}, check error ${coverage.error}, line error ${coverage.lineError}; ` +
    `type-level ${coverage.type}, instance ${coverage.instance}, with field ${coverage.field}, permittedFields ${coverage.permittedFields}, where ${coverage.where}`);
  console.log(`  agree ${counts.agree}, allowed ${counts.allowed} (${fmt(allowedKinds)}), failed ${counts.failed} checks + ${counts.lineFailed} lines (${fmt(failKinds)})`);
  if (stray) {
    counts.lineFailed++;
    failKinds.protocol = (failKinds.protocol ?? 0) + 1;
    console.log(`  protocol failure: the Go side wrote ${stray} answer line(s) more than it was sent (one line per input line)`);
  }
  if (notRun.size) console.log(`  ${notRun.size} cases not run (the Go side timed out or kept crashing)`);
  if (warnings.length) {
    console.log(`  warnings (${warnings.length}; allowed, but they can hide disagreements):`);
    for (const w of warnings.slice(0, 5)) console.log(`    case ${w.k}: ${w.what}`);
  }

  if (failures.length) {
    // one failure of each kind first, then the rest in case order
    const only = args.kinds ? new Set(String(args.kinds).split(',')) : null;
    const shown = only ? failures.filter((f) => only.has(f.finding.kind)) : failures;
    const order = [];
    const seenKinds = new Set();
    for (const f of shown) if (!seenKinds.has(f.finding.kind)) { seenKinds.add(f.finding.kind); order.push(f); }
    for (const f of shown) if (!order.includes(f)) order.push(f);
    let shrunk = 0;
    const shrinkCtx = {
      go,
      async runOne(input) {
        const ref = evaluate(JSON.parse(JSON.stringify(input)));
        if (this.go.closed) this.go = new GoProcess(binPath);
        let goText;
        try {
          goText = await withTimeout(this.go.send(JSON.stringify(input)), 10000, () => this.go.kill());
        } catch (e) {
          goText = e;
          this.go.kill();
          this.go = new GoProcess(binPath);
        }
        return { ref, goText };
      },
    };
    const dump = [];
    for (const [n, f] of order.slice(0, show).entries()) {
      const { input, meta } = cases[f.caseIdx];
      const k = meta.k;
      const ci = f.ci;
      console.log(`\nFAIL ${n + 1}/${shown.length} [${f.finding.kind}] case ${k}${ci === null ? '' : ` check ${ci}`}, seed ${seed}`);
      console.log(`  reproduce: ${reproduce} --only ${k}`);
      console.log(`  the case:  node generate.mjs --seed ${seed} --only ${k} | $KRAG_BIN access eval`);
      if (f.finding.diffs) console.log(`  differs in: ${f.finding.diffs.join(', ')}`);
      if (f.finding.detail) console.log(`  ${escapeOdd(f.finding.detail)}`);
      let show_ = { input, ref: refs[f.caseIdx], goText: goAnswers[f.caseIdx], ci };
      if (shrunk < shrinkN && f.finding.kind !== 'timeout') {
        shrunk++;
        const s = await shrink(shrinkCtx, input, ci, f.finding.kind);
        show_ = { input: s.input, ref: s.ref, goText: s.goText, ci: ci === null ? null : 0 };
        console.log(`  minimal case (${s.input.rules.length} of ${input.rules.length} rules, ${s.input.checks.length} of ${input.checks.length} checks, ${s.tries} Go runs):`);
      } else {
        console.log('  case (not shrunk):');
      }
      const check = show_.ci === null ? null : show_.input.checks[show_.ci];
      console.log(`    ${J(show_.input)}`);
      if (check) console.log(`  check: ${J(check)}`);
      const casl = show_.ref.output;
      const goOut = show_.goText instanceof Error ? show_.goText.message : show_.goText;
      if (show_.ci === null) {
        console.log(`  CASL: ${J(casl)}`);
        console.log(`  Go:   ${escapeOdd(goOut)}`);
      } else {
        console.log(`  CASL: ${J(casl.error !== undefined ? casl : casl.results[show_.ci])}${casl.error === undefined ? `   packed ${J(casl.packed)}` : ''}`);
        let g;
        try { g = JSON.parse(goOut); } catch { g = null; }
        const gRes = g && Array.isArray(g.results) ? g.results[show_.ci] : g ?? goOut;
        console.log(`  Go:   ${J(gRes)}${g && g.invalid ? `   invalid ${J(g.invalid)}` : ''}`);
      }
      for (const note of notes(show_.input, show_.ref, check, show_.ci, show_.goText, show_.input === input ? meta : null)) console.log(`  note: ${escapeOdd(note)}`);
      dump.push({ seed, k, ci, kind: f.finding.kind, input: show_.input, casl, go: goOut });
    }
    if (shown.length > show) console.log(`\n(${shown.length - show} more failures not shown; --show N to see more)`);
    if (args.failures) {
      const all = failures.map((f) => ({
        seed, k: cases[f.caseIdx].meta.k, ci: f.ci, kind: f.finding.kind, input: cases[f.caseIdx].input,
        casl: refs[f.caseIdx].output, go: goAnswers[f.caseIdx] instanceof Error ? goAnswers[f.caseIdx].message : goAnswers[f.caseIdx],
      }));
      const shrunk = dump.map((d) => ({ ...d, shrunk: true }));
      writeFileSync(String(args.failures), [...shrunk, ...all].map((x) => JSON.stringify(x)).join('\n') + '\n');
      console.log(`failing cases written to ${args.failures}`);
    }
    go = shrinkCtx.go;
  }
  await go.close();
  const passed = counts.agree + counts.allowed;
  const failed = counts.failed + counts.lineFailed;
  console.log(`\n${failed ? `FAILED (seed ${seed}; rerun: ${reproduce} --cases ${nCases})` : 'ok'}: ${passed} passed, ${failed} failed`);
  process.exitCode = failed || notRun.size ? 1 : 0;
}

await main();
