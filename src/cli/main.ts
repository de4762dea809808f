// tls-throttle: the same measurement as the extension, from Node.
import { checkFileArgs, parseCli, USAGE, UsageError } from './args.js';
import { safeText } from '../core/safe-text.js';
import { OUTPUT_TEXT_MAX_CHARS } from './format.js';
import { directoryCommand } from './directory-command.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
    if (args.command === 'run' || args.command === 'serve') checkFileArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      // Line by line: the M-Lab consent text is several lines; an argument may hold anything.
      const message = err.message.split('\n').map((l) => safeText(l, OUTPUT_TEXT_MAX_CHARS)).join('\n');
      const line = `tls-throttle: ${message}\n`;
      process.stderr.write(err.showUsage ? `${line}\n${USAGE}\n` : line);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'directory') {
    try {
      return await directoryCommand(args);
    } catch (err) {
      process.stderr.write(`tls-throttle directory: ${(err as Error).message}\n`);
      return 3;
    }
  }
  if (args.command === 'run') {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort(new Error('interrupted')));
    const { exitCode } = await runCommand(args, controller.signal);
    return exitCode;
  }
  let served;
  try {
    served = await serveCommand(args);
  } catch (err) {
    process.stderr.write(`tls-throttle serve: ${(err as Error).message}\n`);
    return 3;
  }
  await new Promise<void>((resolve) => {
    const stop = () => void served.close().then(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tls-throttle: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
