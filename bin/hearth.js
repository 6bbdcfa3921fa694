#!/usr/bin/env node
// Hearth runs its TypeScript directly through tsx, so a plugin folder can hold
// plain .ts files with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../core/cli.ts');
