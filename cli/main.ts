/**
 * The `cdk-secure-key` command (the package's bin; bundled with esbuild into assets/cli/index.js).
 * Every failure ends as one line on standard error and a documented exit code (cli/errors.ts).
 */
import { canCommand } from './can';
import { encryptCommand, decryptCommand } from './envelope';
import { describeFailure, EXIT, UsageError } from './errors';
import { HELP } from './help';
import { keysCommand } from './keys';
import { reportCommand } from './report';

type Command = (argv: readonly string[], help: (topic: string) => number) => Promise<number>;

function help(topic: string): number {
  process.stdout.write(`${HELP[topic] ?? HELP.main}\n`);
  return EXIT.OK;
}

const COMMANDS: Record<string, Command> = {
  encrypt: encryptCommand,
  decrypt: decryptCommand,
  keys: keysCommand,
  report: reportCommand,
  can: canCommand,
};

/** Runs one command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      if (name === 'help' && rest[0] !== undefined) return help(HELP[rest.join(' ')] ? rest.join(' ') : rest[0]);
      return help('main');
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.OK;
    }
    const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; one of ${Object.keys(COMMANDS).join(', ')}`);
    return await command(rest, help);
  } catch (err) {
    const { exitCode, line } = describeFailure(err);
    process.stderr.write(`cdk-secure-key: error: ${line}\n`);
    return exitCode;
  }
}

declare const CDK_SECURE_KEY_VERSION: string | undefined;
/** Set by the bundler from package.json. */
const VERSION = typeof CDK_SECURE_KEY_VERSION === 'string' ? CDK_SECURE_KEY_VERSION : 'development';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
