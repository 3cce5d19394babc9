/** The package entry point works as `import ... from 'samsa'`, and the examples run against a broker. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { withTimeout } from '../helpers/wait.js';
import { startClientTestBroker } from './fixtures/index.js';

const examples = fileURLToPath(new URL('../../client/examples/', import.meta.url));

function run(file: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${examples}${file}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

t.test("import { Producer, Consumer, Admin } from 'samsa'", async (t) => {
  const name = 'samsa';
  const mod = (await import(name)) as Record<string, unknown>;
  for (const k of ['Producer', 'Consumer', 'Admin', 'SamsaError', 'murmur2']) t.type(mod[k], 'function', k);
});

t.test('the produce and admin examples run', async (t) => {
  const b = await startClientTestBroker(t);
  const produced = await withTimeout(
    'produce example',
    run('produce.js', [b.bootstrap, 'example-events']),
    60_000,
  );
  t.equal(produced.code, 0, produced.out);
  t.match(produced.out, /1000 records written/);
  const admin = await withTimeout('admin example', run('admin.js', [b.bootstrap]), 60_000);
  t.equal(admin.code, 0, admin.out);
  t.match(admin.out, /retention\.ms/);

  // The consume example runs until SIGINT: stop it once it has printed a record.
  const child = spawn(
    process.execPath,
    [`${examples}consume.js`, b.bootstrap, 'example-events', 'example-group'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const sawRecord = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      out += d;
      if (/example-events-\d+@\d+/.test(out)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await withTimeout('the consume example to print a record', sawRecord, 30_000);
  child.kill('SIGINT');
  t.equal(await withTimeout('the consume example to exit', exited, 30_000), 0, out.slice(-2000));
  t.match(out, /assigned/);
});
