/** Temporary directories that are removed when the test that made them ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export function tempDir(t: Teardown, prefix = 'samsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A topic name unique within this process, readable in logs. */
let topicCounter = 0;
export function uniqueTopic(stem: string): string {
  topicCounter += 1;
  return `${stem}-${process.pid}-${topicCounter}`;
}
