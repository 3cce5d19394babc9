/** Shared help text: examples under every command, and the exit codes under the top level. */
import type { Command } from 'commander';

/** Add "Examples:" (and optional notes before them) after a command's help. */
export function examples(cmd: Command, lines: string[], notes?: string): Command {
  const before = notes ? `\n${notes}\n` : '';
  return cmd.addHelpText('after', `${before}\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

export const exitCodesHelp = `Exit codes:
  0  ok
  1  bad flags or arguments
  2  not found (topic, partition, group)
  3  broker unreachable
  4  any other failure`;
