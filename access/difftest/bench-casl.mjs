// bench-casl.mjs: micro-benchmarks of the real @casl/ability 7.0.1, for Krag's performance
// targets. The Go benchmarks in access/bench_test.go mirror these cases one by one:
//
//   (a) BenchmarkCanPlain            (b) BenchmarkCanConditionalLast
//   (c) BenchmarkCanConditionalNone  (d) BenchmarkBuild50Conditional
//
// Run: node bench-casl.mjs   (or npm run bench). Prints ns/op per case.
//
// Method: each case is a function run in a loop. A warm-up of about 0.5 s lets V8 optimise it
// and picks the iteration count so that one run lasts about 200 ms; then 5 runs are timed with
// process.hrtime.bigint() and the median ns/op is printed (with the min and max of the 5).
// Each case checks its own answer, so nothing can be optimised away.
//
// The rules (exactly the Go benchmarks' rules):
//   plainRules:       50 rules {action: "action<i>", subject: "Type<i>"}, i = 0..49, no conditions.
//   conditionalRules: 50 rules {action: "read", subject: "Post", conditions: {n: i, owner: "u<i>"}},
//                     i = 0..49, in that order (so rule 49 has the highest priority and is
//                     evaluated first, rule 0 last).
//
// The cases:
//   (a) can, 50 rules without conditions: ability = createMongoAbility(plainRules), once; each
//       op is ability.can("action24", "Type24"), a type-level check (string subject) that rule
//       24, the 25th, decides (true). CASL files rules by (type, action) and caches the merged
//       candidate list of a (type, action) pair after the first lookup, so this measures the
//       index lookup plus one rule.
//   (b) can on an instance, 50 conditional rules, the deciding rule is the last evaluated:
//       ability = createMongoAbility(conditionalRules), once; subject = subject("Post",
//       {n: 0, owner: "u0"}), tagged once; each op is ability.can("read", subject) (true).
//       Rules 49..1 are evaluated and fail on their first key (n); rule 0 is evaluated last,
//       matches both keys and decides. Conditions were compiled during the warm-up (CASL
//       compiles each rule's conditions the first time they are needed and caches them).
//   (c) the same ability and a subject("Post", {n: -1, owner: "nobody"}): no rule matches, all
//       50 conditions are evaluated (each fails on n), the answer is false.
//   (d) build from 50 conditional rules and force their conditions to compile: each op is
//       createMongoAbility(conditionalRules) followed by one can("read", subject("Post",
//       {n: -1, owner: "nobody"})), which evaluates, and so parses and compiles, each of the 50
//       rules' conditions exactly once (false). Go compiles conditions when an ability is
//       built, CASL lazily on first use; (d) is the comparable "ready to answer" cost. It
//       includes one no-match evaluation of the 50 rules, which is (c); "(d) - (c)" is printed
//       as the build-and-compile cost alone. "(d0)" is createMongoAbility alone, without
//       compiling anything, for reference.

import { cpus } from 'node:os';
import { createMongoAbility, subject } from '@casl/ability';

const N = 50;
export const plainRules = Array.from({ length: N }, (_, i) => ({ action: `action${i}`, subject: `Type${i}` }));
export const conditionalRules = Array.from({ length: N }, (_, i) => ({
  action: 'read', subject: 'Post', conditions: { n: i, owner: `u${i}` },
}));

function measure(name, fn) {
  // warm-up: at least 0.5 s, then the count for ~200 ms per run
  let iters = 1;
  let spent = 0n;
  const warmStart = process.hrtime.bigint();
  while (process.hrtime.bigint() - warmStart < 500_000_000n) {
    const t = process.hrtime.bigint();
    fn(iters);
    spent = process.hrtime.bigint() - t;
    if (spent < 50_000_000n) iters *= 2;
  }
  const perOp = Number(spent) / iters;
  iters = Math.max(1, Math.round(200e6 / perOp));
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    fn(iters);
    runs.push(Number(process.hrtime.bigint() - t) / iters);
  }
  runs.sort((x, y) => x - y);
  const res = { name, nsPerOp: runs[2], min: runs[0], max: runs[4], iters };
  console.log(`${name.padEnd(72)} ${fmt(res.nsPerOp).padStart(10)} ns/op   (5 runs of ${iters}: ${fmt(res.min)}..${fmt(res.max)})`);
  return res;
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function expect(ok, what) {
  if (!ok) throw new Error(`bench-casl.mjs: wrong answer in ${what}`);
}

const abilityA = createMongoAbility(plainRules);
expect(abilityA.can('action24', 'Type24'), '(a)');
const caseA = (n) => {
  let yes = 0;
  for (let i = 0; i < n; i++) if (abilityA.can('action24', 'Type24')) yes++;
  expect(yes === n, '(a)');
};

const abilityB = createMongoAbility(conditionalRules);
const matchesFirst = subject('Post', { n: 0, owner: 'u0' });
const matchesNone = subject('Post', { n: -1, owner: 'nobody' });
expect(abilityB.relevantRuleFor('read', matchesFirst)?.origin === conditionalRules[0], '(b)');
expect(!abilityB.can('read', matchesNone), '(c)');
const caseB = (n) => {
  let yes = 0;
  for (let i = 0; i < n; i++) if (abilityB.can('read', matchesFirst)) yes++;
  expect(yes === n, '(b)');
};
const caseC = (n) => {
  let yes = 0;
  for (let i = 0; i < n; i++) if (abilityB.can('read', matchesNone)) yes++;
  expect(yes === 0, '(c)');
};
const caseD = (n) => {
  let yes = 0;
  for (let i = 0; i < n; i++) if (createMongoAbility(conditionalRules).can('read', matchesNone)) yes++;
  expect(yes === 0, '(d)');
};
const caseD0 = (n) => {
  let size = 0;
  for (let i = 0; i < n; i++) size += createMongoAbility(conditionalRules).rules.length;
  expect(size === n * N, '(d0)');
};

console.log(`@casl/ability 7.0.1 on Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores)`);
measure('(a) can, 50 plain rules, the 25th decides (type-level)', caseA);
measure('(b) can, instance, 50 conditional rules, the last evaluated decides', caseB);
const c = measure('(c) can, instance, 50 conditional rules, none matches', caseC);
const d = measure('(d) build from 50 conditional rules + compile all (one no-match can)', caseD);
measure('(d0) build from 50 conditional rules, nothing compiled', caseD0);
console.log(`${'(d) - (c): build and compile alone'.padEnd(72)} ${fmt(d.nsPerOp - c.nsPerOp).padStart(10)} ns/op`);
