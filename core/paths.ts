import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder Hearth is installed in (holds package.json, plugins/, ui/). */
export const HUB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const HUB_VERSION = (JSON.parse(readFileSync(join(HUB_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
