// tls-throttle: the same measurement as the extension, from Node.
import { parseCli, USAGE, UsageError } from './args.js';
import { directoryCommand } from './directory-command.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tls-throttle: ${err.message}\n\n${USAGE}\n`);
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
