// weft's command line: dispatches to the subcommands listed in commands.ts.
import { commands } from './commands.js';

function usage(): string {
  const lines = ['Usage: weft <command> [options]', '', 'Commands:'];
  for (const name of Object.keys(commands).sort()) {
    lines.push(`  ${name.padEnd(12)} ${commands[name]!.summary}`);
  }
  lines.push('', 'Run `weft <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('weft 0.1.0\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`weft: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const run = await command.load();
  return run(rest);
}
