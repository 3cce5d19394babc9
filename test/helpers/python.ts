/**
 * kafka-python (Debian's python3-kafka 2.0.2) runs under /usr/bin/python3. Each script in
 * test/e2e/python takes one JSON argument and prints one JSON line as its result.
 */
import { join } from 'node:path';
import { pythonScriptsDir, systemPython } from './paths.js';
import { describeRun, type RunResult, runProcess } from './process.js';

export class PythonScriptError extends Error {
  readonly code = 'SAMSA_TEST_PYTHON';
  constructor(
    message: string,
    readonly run: RunResult,
  ) {
    super(message);
  }
}

export async function runPython<T>(script: string, params: unknown, timeoutMs = 45_000): Promise<T> {
  const r = await runProcess(systemPython, [join(pythonScriptsDir, script), JSON.stringify(params)], {
    timeoutMs,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || r.timedOut) throw new PythonScriptError(`${script} failed\n${describeRun(r)}`, r);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new PythonScriptError(`${script} printed no JSON result\n${describeRun(r)}`, r);
  }
}
