// A throwaway PostgreSQL cluster for the collector's tests: initdb in a temp dir, a server
// that listens on a unix socket in that dir only (no TCP at all), stopped and deleted after.
// PostgreSQL refuses to run as root, so as root the binaries run as the postgres user.
// Missing binaries fail loudly: CI installs Debian's postgresql, and a silent skip would let
// the PostgreSQL store go untested.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** URL of the cluster's default database. */
  url: string;
  /** The cluster's directory (data and socket). */
  dir: string;
  /** A new, empty database on the cluster, so tests do not see each other's rows. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export function findPostgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin: ' +
        'install them (apt-get install -y postgresql) or set PG_BIN. The collector tests need them and do not skip.',
    );
  }
  return join(root, versions[0]!, 'bin');
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ttd-pg-'));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new Error('running as root, but there is no "postgres" user to run the PostgreSQL server as');
    });
    chownSync(dir, Number(stdout.trim()), -1);
  }
  const pgRun = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  const data = join(dir, 'data');
  // The socket file's name carries the port; with no TCP listener, any free-looking number does.
  const port = 20000 + Math.floor(Math.random() * 20000);
  try {
    await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await pgRun('pg_ctl', [
      'start',
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-c listen_addresses='' -k ${dir} -p ${port} -c fsync=on -c synchronous_commit=on`,
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`the test PostgreSQL cluster did not start: ${e.stderr || e.message}`, { cause: err });
  }
  const urlFor = (db: string) => `postgresql://postgres@${encodeURIComponent(dir)}:${port}/${db}`;
  let n = 0;
  return {
    url: urlFor('postgres'),
    dir,
    async freshDatabase() {
      const name = `t${process.pid}_${++n}_${Math.floor(Math.random() * 1e9)}`;
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      await pgRun('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
