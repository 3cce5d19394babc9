/** Shared help text: examples under every command, and the exit codes under the top level. */
import type { Command } from 'commander';

const noteWidthMax = 96;

/** Add "Examples:" (and optional notes before them) after a command's help. */
export function examples(cmd: Command, lines: string[], notes?: string): Command {
  const before = notes ? `\n${wrap(notes)}\n` : '';
  return cmd.addHelpText('after', `${before}\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** Wrap long unindented lines at word boundaries; indented lines are kept as they are. */
function wrap(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= noteWidthMax || /^\s/.test(line)) return line;
      const out: string[] = [];
      let current = '';
      for (const word of line.split(' ')) {
        if (current && current.length + 1 + word.length > noteWidthMax) {
          out.push(current);
          current = word;
        } else current = current ? `${current} ${word}` : word;
      }
      if (current) out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

export const exitCodesHelp = `Exit codes:
  0  ok
  1  bad flags or arguments
  2  not found (topic, partition, group)
  3  broker unreachable
  4  any other failure`;
