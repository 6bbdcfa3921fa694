import type { Kysely } from 'kysely';
import { ApiTokens } from './auth/api-tokens.ts';
import { emailSchema, fieldProblems, passwordSchema, phoneSchema, roleSchema, usernameSchema, type Role } from './auth/user-fields.ts';
import { Users, type User } from './auth/users.ts';
import { withRegistry } from './cli-device.ts';
import { readNewPassword } from './cli-prompt.ts';
import type { LoadedConfig } from './config/load-config.ts';
import type { RegistryTables } from './db/tables.ts';

export interface UserCommandOptions {
  role?: string;
  email?: string;
  phone?: string;
  user?: string;
  /** refused: a password on the command line stays in the shell history */
  password?: string;
  /** where the new password is read from (tests pipe it); stdin by default */
  input?: NodeJS.ReadableStream;
}

export const USER_USAGE = `  hearth user add NAME --role admin|user|viewer [--email E] [--phone +4915…]
                                      create a user; the password is asked twice (or read from two lines of stdin)
  hearth user list                    users and their roles
  hearth user passwd NAME             set a new password (ends the user's logins)
  hearth token create NAME --user U   an API token for U, printed once on the last line
  hearth token list --user U          U's tokens (names and times)
  hearth token revoke NAME --user U   revoke it: refused from the next request on`;

/** Every problem of the options given, named as the user typed them (`--email: …`). */
function check(values: Array<[label: string, schema: object, value: unknown]>): void {
  const problems = values.filter(([, , value]) => value !== undefined).flatMap(([label, schema, value]) => fieldProblems(schema, value, [label]));
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

async function newPassword(username: string, input?: NodeJS.ReadableStream): Promise<string> {
  const password = await readNewPassword(username, input);
  check([['password', passwordSchema, password]]);
  return password;
}

async function existingUser(users: Users, username: string | undefined, option: string): Promise<User> {
  if (!username) throw new Error(`${option}: which user? e.g. ${option === '--user' ? '--user alice' : 'hearth user passwd alice'}`);
  const user = await users.find(username);
  if (!user) throw new Error(`${option}: no user "${username}" (see hearth user list)`);
  return user;
}

const date = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * `hearth user …`: works on the data dir directly, like `hearth device add`,
 * also while the hub runs (it reads users from the database on every request).
 */
export async function userCommand(config: LoadedConfig, args: string[], options: UserCommandOptions): Promise<void> {
  const [action, username] = args;
  if (options.password !== undefined) throw new Error('--password: not taken on the command line (it would stay in the shell history); type it when asked, or pipe it twice on stdin');
  await withRegistry(config, async (db: Kysely<RegistryTables>) => {
    const users = new Users(db);
    if (action === 'add') {
      if (!options.role) throw new Error('--role: give one of admin, user, viewer');
      check([
        ['username', usernameSchema, username ?? ''],
        ['--role', roleSchema, options.role],
        ['--email', emailSchema, options.email],
        ['--phone', phoneSchema, options.phone],
      ]);
      if (await users.find(username!)) throw new Error(`user "${username}" exists; a new password: hearth user passwd ${username}`);
      const password = await newPassword(username!, options.input);
      const user = await users.create({ username: username!, role: options.role as Role, password, email: options.email ?? null, phone: options.phone ?? null });
      console.log(`user ${user.username} (${user.role}) created; log in at POST /api/auth/login or in the UI`);
    } else if (action === 'list') {
      const all = await users.list();
      if (all.length === 0) return console.log('no users yet: hearth user add NAME --role admin');
      console.log(table([['USERNAME', 'ROLE', 'EMAIL', 'PHONE', 'CREATED'], ...all.map((u) => [u.username, u.role, u.email ?? '', u.phone ?? '', date(u.created_at)])]));
    } else if (action === 'passwd') {
      const user = await existingUser(users, username, 'hearth user passwd');
      await users.setPassword(user.username, await newPassword(user.username, options.input));
      console.log(`password of ${user.username} changed; their logins ended`);
    } else {
      throw new Error(`hearth user ${action ?? ''}: expected add, list or passwd\n\n${USER_USAGE}`);
    }
  });
}

/** `hearth token …`: a user's API tokens, on the data dir like `hearth user`. */
export async function tokenCommand(config: LoadedConfig, args: string[], options: UserCommandOptions): Promise<void> {
  const [action, name] = args;
  await withRegistry(config, async (db: Kysely<RegistryTables>) => {
    const tokens = new ApiTokens(db);
    const user = await existingUser(new Users(db), options.user, '--user');
    if (action === 'create') {
      const { token } = await tokens.create(user.id, name ?? '');
      console.log(`API token "${name}" for ${user.username} (${user.role}); it is shown only now. Send it as "Authorization: Bearer <token>":`);
      console.log(token);
    } else if (action === 'list') {
      const all = await tokens.list(user.id);
      if (all.length === 0) return console.log(`${user.username} has no API tokens`);
      console.log(table([['NAME', 'CREATED', 'LAST USED'], ...all.map((t) => [t.name, date(t.created_at), date(t.last_used_at)])]));
    } else if (action === 'revoke') {
      if (!(await tokens.revoke(user.id, name ?? ''))) throw new Error(`${user.username} has no token "${name ?? ''}" (see hearth token list --user ${user.username})`);
      console.log(`token "${name}" of ${user.username} revoked`);
    } else {
      throw new Error(`hearth token ${action ?? ''}: expected create, list or revoke\n\n${USER_USAGE}`);
    }
  });
}
