import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const HTTP_SECRET_FILE = 'http-secret';

/**
 * The key that signs session JWTs (HS256): 256 random bits made at the
 * hub's first start and kept in the data dir, readable by its owner only.
 * Deleting the file logs everyone out at the next start.
 */
export function loadHttpSecret(dataDir: string): string {
  const file = join(dataDir, HTTP_SECRET_FILE);
  try {
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A copied or restored data dir may have lost the mode.
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (!/^[\w-]{43,}$/.test(secret)) throw new Error(`${file} is damaged (expected 43+ base64url characters); delete it to make a new one (everyone will have to log in again)`);
  return secret;
}
