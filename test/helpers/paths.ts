/** Where things are, seen from the compiled tests in dist/test/helpers. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: dist/test/helpers -> three levels up. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The compiled `samsa` command line. */
export const cliPath = join(repoRoot, 'dist', 'client', 'cli', 'main.js');
/** kafka-python scripts are run from the sources (tsc does not copy them). */
export const pythonScriptsDir = join(repoRoot, 'test', 'e2e', 'python');
/** Debian's interpreter, which has python3-kafka; not whatever python3 is first on PATH. */
export const systemPython = '/usr/bin/python3';
