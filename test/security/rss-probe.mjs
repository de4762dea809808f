// Loaded with `node --import` before the CLI: on exit, writes the process's peak resident set
// (getrusage's ru_maxrss, in kB on Linux) to the file named by TTD_RSS_FILE, so a test can
// bound the memory a hostile endpoint made the real CLI use, peaks included.
import { writeFileSync } from 'node:fs';

const file = process.env.TTD_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
