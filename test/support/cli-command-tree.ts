/**
 * Preloaded into the CLI (`node --import tsx --import ./test/support/cli-command-tree.ts bin/cli.ts`):
 * instead of running a command, prints every command path the program registers with its full help
 * text (the "after" texts included), as JSON, and exits. Tests derive their command list from it.
 */
import { Command } from 'commander';

function helpOf(command: Command): string {
  let text = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    command.outputHelp();
  } finally {
    process.stdout.write = write;
  }
  return text;
}

Command.prototype.parseAsync = async function (this: Command) {
  const tree: Record<string, string> = {};
  const visit = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const subPath = [...path, sub.name()];
      tree[subPath.join(' ')] = helpOf(sub);
      visit(sub, subPath);
    }
  };
  visit(this, []);
  process.stdout.write(`${JSON.stringify({ root: helpOf(this), commands: tree })}\n`);
  process.exit(0);
};
