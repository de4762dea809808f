// What the labs run is dist/ (test/lab/run-scenario.ts), not the sources: a lab started with
// `npx tsx bench/accuracy.ts` rather than `npm run bench:accuracy` once measured a build hours
// older than the tree it was named after (bench/RESULTS.md, "A stale build"). So the benchmark
// builds dist/ itself before any scenario, and its output names the commit it built.
import { execFileSync } from 'node:child_process';
import { REPO } from '../test/lab/run-scenario.js';

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/**
 * Builds dist/ from the working tree, unless TTD_LAB_CLI names another build to run; returns
 * what ran, for the output's header: "dist/ built from <commit>" (and whether src/ or build.mjs differed
 * from that commit), or the TTD_LAB_CLI path.
 */
export function buildForLab(): string {
  const other = process.env.TTD_LAB_CLI;
  if (other) return `TTD_LAB_CLI=${other}`;
  // A child process in the repository, not build.mjs's build() here: its paths are relative to
  // the working directory, which a benchmark started from elsewhere does not share.
  execFileSync(process.execPath, ['build.mjs'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'an unknown commit';
  const dirty = git(['status', '--porcelain', '--', 'src', 'build.mjs']) !== '';
  return `dist/ built from ${commit}${dirty ? ' with uncommitted changes to src/ or build.mjs' : ''}`;
}
