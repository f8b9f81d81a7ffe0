// flip.mjs: answers like reference.mjs, then spoils some lines on purpose, so the self-test can
// prove that diff.mjs catches and classifies each kind of disagreement. Which spoiling a line
// gets depends only on a hash of its text, so a shrunk candidate is usually spoiled differently
// and shrinking stops early; that is expected here. The spoilings, by hash % 40:
//   0  flip "can" of every check CASL answered          -> can-grant / can-deny failures
//   1  rule index + 1 on every answered check          -> rule failures (or can-* when it flips)
//   2  a junk rule appended to "packed"                 -> packed failure
//   3  "where" replaced by {} on type-level checks     -> where failures (where CASL differs)
//   4  "secret" added to every permittedFields         -> permittedFields failures
//   5  reports every rule invalid and denies everything (rule -1, no fields, {OR: []})
//                                                      -> allowed (fail-closed), never a failure
//   6  a line error                                    -> allowed (go-line-error)
//   7  reports every rule invalid and grants every check -> can-grant failures (never allowed)
// With FLIP_CRASH=1 in the environment, lines with hash % 40 == 8 make the process exit(3)
// before answering (-> crash failures and restarts); with FLIP_HANG=1, the first such line
// makes it stop answering (-> a timeout failure).
// Lines whose hash % 40 is 5 also answer their second check with an error: fail-closed when a
// rejected rule is a candidate for that check, a go-error failure when none is.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { evaluateText } from '../reference.mjs';

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const out = evaluateText(line);
  const h = createHash('sha256').update(line).digest().readUInt32BE(0) % 40;
  if (h === 8 && process.env.FLIP_CRASH) process.exit(3);
  if (h === 8 && process.env.FLIP_HANG) await new Promise(() => { setInterval(() => {}, 1000); });
  const ok = (r) => r && !('error' in r);
  let input;
  try { input = JSON.parse(line); } catch { input = { rules: [] }; }
  const everyRule = (input.rules ?? []).map((_, i) => ({ rule: i, error: 'flip.mjs: rejected on purpose' }));
  if (out.results) {
    if (h === 0) out.results.filter(ok).forEach((r) => { r.can = !r.can; });
    if (h === 1) out.results.filter(ok).forEach((r) => { r.rule += 1; });
    if (h === 2) out.packed = [...out.packed, ['junk']];
    if (h === 3) out.results.filter((r) => ok(r) && r.where).forEach((r) => { r.where = {}; });
    if (h === 4) out.results.filter((r) => ok(r) && r.permittedFields).forEach((r) => { r.permittedFields.push('secret'); });
    if (h === 5) {
      out.invalid = everyRule;
      out.results = out.results.map((r) => ({ can: false, rule: -1, ...('permittedFields' in r ? { permittedFields: [] } : {}), ...('where' in r ? { where: { OR: [] } } : {}) }));
      if (out.results.length > 1) out.results[1] = { error: 'flip.mjs: refused on purpose' };
    }
    if (h === 6) { for (const k of Object.keys(out)) delete out[k]; out.error = 'flip.mjs: line refused on purpose'; }
    if (h === 7) {
      out.invalid = everyRule;
      out.results = out.results.map((r) => ({ ...(ok(r) ? r : { rule: -1 }), can: true }));
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
