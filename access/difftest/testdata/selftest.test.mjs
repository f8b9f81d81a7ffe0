// The harness's own tests (npm run selftest): diff.mjs must find no disagreement between CASL
// and itself, must catch and classify deliberately wrong answers, and must survive a Go side
// that crashes or hangs. Uses the two wrappers in this directory instead of a krag binary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { generateCase } from '../generate.mjs';
import { evaluateText } from '../reference.mjs';

const dir = fileURLToPath(new URL('..', import.meta.url));

function diff(bin, args, env = {}) {
  const e = { ...process.env, ...env };
  if (bin === null) delete e.KRAG_BIN; else e.KRAG_BIN = bin;
  const r = spawnSync(process.execPath, ['diff.mjs', ...args], { cwd: dir, env: e, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('CASL against itself: no disagreement, at least 10,000 checks by default', () => {
  const { code, out } = diff('testdata/krag-reference.sh', ['--seed', 'selftest']);
  assert.equal(code, 0, out);
  const m = out.match(/^ok: (\d+) passed, 0 failed$/m);
  assert.ok(m, out);
  assert.ok(Number(m[1]) >= 10000, `only ${m[1]} checks`);
  assert.match(out, /allowed 0 \(none\), failed 0 checks \+ 0 lines/);
});

test('deliberately wrong answers are caught, classified and printed with a reproduction', () => {
  const { code, out } = diff('testdata/krag-flip.sh', ['--seed', 'selftest', '--cases', '600', '--show', '3', '--shrink', '1']);
  assert.equal(code, 1, out);
  const failed = out.match(/failed \d+ checks \+ \d+ lines \(([^)]*)\)/)[1];
  for (const kind of ['can-grant', 'can-deny', 'rule', 'packed', 'where', 'permittedFields', 'go-error']) {
    assert.match(failed, new RegExp(`(^|, )${kind} \\d+`), `no ${kind} failure in: ${failed}`);
  }
  const allowed = out.match(/allowed \d+ \(([^)]*)\)/)[1];
  for (const kind of ['fail-closed', 'go-line-error', 'go-error-on-invalid']) {
    assert.match(allowed, new RegExp(`(^|, )${kind} \\d+`), `no allowed ${kind} in: ${allowed}`);
  }
  assert.match(out, /^FAIL 1\/\d+ \[[\w-]+\] case \d+/m);
  assert.match(out, /reproduce: KRAG_BIN=testdata\/krag-flip.sh node diff.mjs --seed selftest --only \d+/);
  assert.match(out, /minimal case \(/);
  assert.match(out, /^ {2}CASL: /m);
  assert.match(out, /^ {2}Go: {3}/m);
  assert.match(out, /^FAILED \(seed selftest; .*\): \d+ passed, \d+ failed$/m);
});

test('a failure reproduces alone with --only', () => {
  const first = diff('testdata/krag-flip.sh', ['--seed', 'selftest', '--cases', '600', '--show', '1', '--shrink', '0']);
  const k = first.out.match(/--only (\d+)/)[1];
  const again = diff('testdata/krag-flip.sh', ['--seed', 'selftest', '--only', k, '--shrink', '0']);
  assert.equal(again.code, 1, again.out);
  assert.match(again.out, new RegExp(`^FAIL 1/\\d+ \\[[\\w-]+\\] case ${k}\\b`, 'm'));
});

test('a Go side that crashes is restarted and the crashing case reported', () => {
  const { code, out } = diff('testdata/krag-flip.sh', ['--seed', 'selftest', '--cases', '300', '--show', '40', '--shrink', '0'], { FLIP_CRASH: '1' });
  assert.equal(code, 1, out);
  assert.match(out, /restarted \d+x after crashes/);
  assert.match(out, /\[crash\] case \d+/);
  assert.match(out, /exited \(code 3\) before answering/);
});

test('a Go side that hangs fails with a timeout instead of hanging the run', () => {
  const { code, out } = diff('testdata/krag-flip.sh', ['--seed', 'selftest', '--cases', '300', '--timeout', '3', '--show', '40', '--shrink', '0'], { FLIP_HANG: '1' });
  assert.equal(code, 1, out);
  assert.match(out, /\[timeout\] case \d+/);
  assert.match(out, /timeout: no answer within 3 s/);
  assert.match(out, /cases not run/);
});

test('KRAG_BIN is required', () => {
  const { code, err } = diff(null, []);
  assert.equal(code, 2);
  assert.match(err, /KRAG_BIN is not set/);
});

test('a KRAG_BIN without `access eval` is reported, not counted as disagreements', () => {
  const { code, err } = diff('/bin/false', ['--cases', '10']);
  assert.equal(code, 2);
  assert.match(err, /answers nothing/);
});

test('cases are reproducible from (seed, index) alone', () => {
  assert.deepEqual(generateCase('s', 17), generateCase('s', 17));
  assert.notDeepEqual(generateCase('s', 17).input, generateCase('s', 18).input);
  assert.notDeepEqual(generateCase('s', 17).input, generateCase('t', 17).input);
});

test('reference.mjs follows the protocol', () => {
  assert.match(evaluateText('{').error, /^invalid JSON/);
  const out = evaluateText(JSON.stringify({
    rules: [
      { action: 'read', subject: 'Post' },
      { action: 'read', subject: 'Post', inverted: true, conditions: { archived: true }, fields: ['body'] },
      { action: 'modify', subject: 'Post', conditions: { authorId: 1 } },
    ],
    aliases: { modify: ['update', 'delete'] },
    allFields: { Post: ['title', 'body'] },
    checks: [
      { action: 'read', subjectType: 'Post', subject: { archived: true }, field: 'body' },
      { action: 'read', subjectType: 'Post', subject: { archived: true }, field: 'title', permittedFields: true },
      { action: 'delete', subjectType: 'Post', subject: null },
      { action: 'delete', subjectType: 'Post', subject: { authorId: 2 } },
      { action: 'update', subjectType: 'all', subject: null },
      { action: 'read', subjectType: 'Post', subject: { archived: { $eq: 1, $foo: 2 } } },
    ],
  }));
  assert.deepEqual(out.packed, [['read', 'Post'], ['read', 'Post', { archived: true }, 1, 'body'], ['modify', 'Post', { authorId: 1 }]]);
  assert.deepEqual(out.results, [
    { can: false, rule: 1 },
    { can: true, rule: 0, permittedFields: ['title'] },
    { can: true, rule: 2, where: { OR: [{ authorId: 1 }] } },
    { can: false, rule: -1 },
    { can: false, rule: -1, where: { OR: [] } },
    { can: true, rule: 0 },
  ]);
  assert.match(evaluateText('{"rules":[{"action":"read","fields":[]}],"checks":[]}').error, /cannot be empty/);
  const bad = evaluateText('{"rules":[{"action":"read","subject":"Post","conditions":{"a":{"$lt":null}}}],"checks":[{"action":"read","subjectType":"Post","subject":{}}]}');
  assert.match(bad.results[0].error, /expects value to be comparable/);
});
