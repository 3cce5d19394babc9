#!/usr/bin/env node
// The whole test suite: build (which is the strict type check of every folder), the
// lint/format check, then every tap test. Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const steps = [
  ['type check and build', 'npx', ['tsc', '-p', '.']],
  ['lint and format check', 'npx', ['biome', 'check', '.']],
];
let passed = 0;
let failed = 0;
for (const [name, cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name} (exit ${r.status})`);
  }
}
const extra = process.argv.slice(2);
// Only *.test.js files are tests; helpers and fixtures compiled beside them are not.
const testFiles = readdirSync('dist/test', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .map((f) => join('dist/test', f))
  .sort();
const tap = spawnSync('npx', ['tap', '--reporter=tap', ...(extra.length ? extra : testFiles)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 1 << 30,
});
process.stdout.write(tap.stdout ?? '');
// Count top-level assertions of each test file's subtests: lines "ok N - ..." / "not ok N - ..."
// at four spaces of indent are the tests inside each file; fall back to file level when absent.
let fileLevel = 0;
const inner = { pass: 0, fail: 0 };
for (const line of (tap.stdout ?? '').split('\n')) {
  let m = /^ {4}(not )?ok \d+/.exec(line);
  if (m) {
    if (m[1]) inner.fail++;
    else inner.pass++;
    continue;
  }
  m = /^(not )?ok \d+/.exec(line);
  if (m) fileLevel++;
}
passed += inner.pass;
failed += inner.fail;
if (tap.status !== 0 && inner.fail === 0) failed++;
if (fileLevel === 0) {
  console.log('no test files ran');
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
