#!/usr/bin/env node
// Builds the optional CRC-32C addon (protocol/native/crc32c.cc) with node-gyp; run by
// `npm install` (package.json "install"). The addon is an accelerator only: when this build
// fails (no compiler, no Python, no Node headers, another CPU architecture) the script says so
// in one line and exits 0, and protocol/crc32c.ts uses @node-rs/crc32 or JavaScript instead.
// Skips the build when build/Release/samsa_crc32c.node is newer than its sources.
// Set SAMSA_SKIP_NATIVE=1 to skip it altogether.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'Release', 'samsa_crc32c.node');
const sources = ['crc32c.cc', 'binding.gyp'].map((f) => join(here, f));

function say(message) {
  console.log(`samsa: CRC-32C addon: ${message}`);
}

function upToDate() {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return sources.every((s) => statSync(s).mtimeMs <= built);
}

/** node-gyp as npm runs it: npm's lifecycle environment names it; else the copy bundled with npm. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  const bundled = resolve(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, [bundled]];
  return ['node-gyp', []];
}

/** Build against this Node's own headers when npm has not named a nodedir (no download). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

if (process.env.SAMSA_SKIP_NATIVE === '1') {
  say('skipped (SAMSA_SKIP_NATIVE=1); using @node-rs/crc32 or JavaScript');
} else if (upToDate()) {
  say('up to date');
} else {
  const [cmd, pre] = nodeGypCommand();
  const r = spawnSync(cmd, [...pre, 'rebuild', '--loglevel=error', ...nodedirArgs()], {
    cwd: here,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status === 0 && existsSync(output)) say('built');
  else {
    const why = r.error
      ? r.error.message
      : (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ');
    say(`not built (${why || `exit ${r.status}`}); using @node-rs/crc32 or JavaScript instead`);
  }
}
