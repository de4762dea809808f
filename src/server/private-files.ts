// Files the server and the CLI write (the development CA and its key, the export snapshot) are
// opened so that a symbolic link planted where they go is refused rather than followed: another
// local user who can create a name in the directory could otherwise make us write a key over,
// or read a certificate from, a file of their choosing (CWE-59). O_NOFOLLOW fails with ELOOP
// when the last component is a link, and O_CREAT|O_EXCL fails with EEXIST when anything, a
// dangling link included, already has the name (open(2), POSIX open "O_EXCL").
import { constants } from 'node:fs';
import { lstat, mkdir, open, chmod } from 'node:fs/promises';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

/**
 * Makes the directory (mode 0700) or checks the one there: a real directory, not a link,
 * owned by this user; write access for group or others is taken away, since anyone who can
 * write into it can plant names in it.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${dir} must be a directory, not a symbolic link or a file`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to user ${st.uid}, not to this user (${uid}); refusing to keep files there`);
  if (st.mode & 0o022) await chmod(dir, st.mode & 0o7777 & ~0o022);
}

/** Creates a new file, refusing any name already there (a planted link included). */
export async function writeNewFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const fh = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/** Opens a new file for writing as writeNewFile does, for callers that write it in pieces. */
export function openNewFile(path: string, mode = 0o600) {
  return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
}

/** Reads a file, refusing a symbolic link in its place. */
export async function readFileNoFollow(path: string): Promise<string> {
  const fh = await open(path, O_RDONLY | O_NOFOLLOW);
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** Opens a file for reading as readFileNoFollow does. */
export function openNoFollow(path: string) {
  return open(path, O_RDONLY | O_NOFOLLOW);
}
