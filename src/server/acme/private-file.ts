// Account key, certificate key and certificate live in the data directory, readable by the
// endpoint's user alone (0600). A symbolic link planted there (by another user of a shared
// directory, or a misconfigured volume) must not make us read or overwrite a file elsewhere,
// so every open uses O_NOFOLLOW and the directory itself is checked to be no link either.
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class UnsafePathError extends Error {}

/** Makes the directory (0700) if missing and refuses one that is a symbolic link or no directory. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (st.isSymbolicLink()) throw new UnsafePathError(`${dir} is a symbolic link; refusing to keep keys there`);
  if (!st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory`);
}

/** The file's text, or undefined when it does not exist. A symbolic link is an error, never followed. */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // Linux answers ELOOP when the last component is a symbolic link and O_NOFOLLOW is set.
    if (code === 'ELOOP') throw new UnsafePathError(`${path} is a symbolic link; refusing to read it`);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new UnsafePathError(`${path} is not a regular file`);
    // Tighten a file that an older version or an operator's copy left readable by others.
    if ((st.mode & 0o077) !== 0) await handle.chmod(0o600);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Writes the whole file or nothing: a fresh temporary file (O_EXCL, O_NOFOLLOW, 0600) renamed
 * over the old one, so a crash mid-write never leaves half a key and a reader never sees one.
 * A symbolic link at the destination is refused like one at read time: rename() would replace
 * the link rather than write through it, but an operator who put it there meant something else.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link; refusing to write it`);
  const tmp = join(dirname(path), `.${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  // The umask can only take bits away; this makes sure it is exactly 0600.
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
