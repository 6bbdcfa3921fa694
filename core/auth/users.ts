import { sql, type Kysely, type Selectable } from 'kysely';
import type { RegistryTables, Role, UsersTable } from '../db/tables.ts';
import { generatePassword, hashSecret, verifySecret } from './secrets.ts';
import { fieldProblems, newUserSchema, passwordSchema, userChangesSchema, type Preferences } from './user-fields.ts';

export interface User {
  id: number;
  username: string;
  role: Role;
  email: string | null;
  phone: string | null;
  preferences: Preferences;
  created_at: number;
  updated_at: number;
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  email?: string | null;
  phone?: string | null;
  preferences?: Preferences;
}

export type UserChanges = Partial<Pick<User, 'role' | 'email' | 'phone' | 'preferences'>>;

export type UserErrorCode = 'invalid' | 'exists' | 'not_found' | 'last_admin';

/** A refused change, with a code the HTTP API maps to a status and a message for people. */
export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Every column but the password hash: what leaves this module never carries it. Qualified, so queries joining users can use it. */
export const USER_COLUMNS = ['users.id', 'users.username', 'users.role', 'users.email', 'users.phone', 'users.preferences', 'users.created_at', 'users.updated_at'] as const;

export function userFromRow(row: Omit<Selectable<UsersTable>, 'password_hash'>): User {
  return { ...row, preferences: JSON.parse(row.preferences) as Preferences };
}

function check(schema: object, value: unknown): void {
  const problems = fieldProblems(schema, value);
  if (problems.length > 0) throw new UserError('invalid', problems.join('; '));
}

/**
 * The people who use the HTTP API, read from the database on every call so
 * users made, changed or removed by `hearth user …` in another process count
 * at once. A change of role or password, and removal, end the user's
 * sessions (logins); API tokens act with the user's current role.
 */
export class Users {
  /** A hash to check unknown names against, so they take as long as wrong passwords. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: () => number = Date.now,
  ) {}

  async any(): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').select(USER_COLUMNS).orderBy('username').execute();
    return rows.map(userFromRow);
  }

  async find(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').select(USER_COLUMNS).where('username', '=', username).executeTakeFirst();
    return row && userFromRow(row);
  }

  /**
   * Creates a user. With `onlyIfNone` (first-run onboarding) it is created
   * only while no user exists, decided in the same statement, so two
   * concurrent onboardings cannot both win.
   */
  async create(input: NewUser, options: { onlyIfNone?: boolean } = {}): Promise<User> {
    check(newUserSchema, input);
    const now = this.clock();
    const row = {
      username: input.username,
      role: input.role,
      email: input.email ?? null,
      phone: input.phone ?? null,
      preferences: JSON.stringify(input.preferences ?? {}),
      password_hash: await hashSecret(input.password),
      created_at: now,
      updated_at: now,
    };
    try {
      const whileNone = this.db.selectNoFrom((eb) => Object.entries(row).map(([key, value]) => eb.val(value).as(key))).where(sql<boolean>`not exists (select 1 from users)`);
      const insert = options.onlyIfNone
        ? this.db.insertInto('users').columns(Object.keys(row) as Array<keyof typeof row>).expression(whileNone)
        : this.db.insertInto('users').values(row);
      const result = await insert.executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 0n) throw new UserError('exists', 'a user exists already: onboarding is over, log in instead');
    } catch (error) {
      if (String(error).includes('UNIQUE constraint failed: users.username')) throw new UserError('exists', `user "${input.username}" exists`);
      throw error;
    }
    return (await this.find(input.username))!;
  }

  async update(username: string, changes: UserChanges): Promise<User> {
    check(userChangesSchema, changes);
    const user = await this.require(username);
    await this.db.transaction().execute(async (trx) => {
      if (changes.role !== undefined && changes.role !== user.role) {
        await this.keepAnAdmin(trx, user, `make ${user.username} ${changes.role}`);
        await trx.deleteFrom('user_sessions').where('user_id', '=', user.id).execute();
      }
      const { preferences, ...rest } = changes;
      await trx
        .updateTable('users')
        .set({ ...rest, ...(preferences ? { preferences: JSON.stringify(preferences) } : {}), updated_at: this.clock() })
        .where('id', '=', user.id)
        .execute();
    });
    return (await this.find(user.username))!;
  }

  /** Sets a new password and ends every session of the user. */
  async setPassword(username: string, password: string): Promise<void> {
    check(passwordSchema, password);
    const user = await this.require(username);
    const passwordHash = await hashSecret(password);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: this.clock() }).where('id', '=', user.id).execute();
      await trx.deleteFrom('user_sessions').where('user_id', '=', user.id).execute();
    });
  }

  /** Removes the user with their sessions and API tokens (foreign keys cascade). */
  async remove(username: string): Promise<void> {
    const user = await this.require(username);
    await this.db.transaction().execute(async (trx) => {
      await this.keepAnAdmin(trx, user, `remove ${user.username}`);
      await trx.deleteFrom('users').where('id', '=', user.id).execute();
    });
  }

  /** The user when the password is theirs; unknown names and wrong passwords cost the same time and give the same answer. */
  async verifyPassword(username: string, password: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').select([...USER_COLUMNS, 'password_hash']).where('username', '=', username).executeTakeFirst();
    if (!row) {
      this.decoy ??= hashSecret(generatePassword());
      await verifySecret(password, await this.decoy);
      return undefined;
    }
    const { password_hash: hash, ...rest } = row;
    return (await verifySecret(password, hash)) ? userFromRow(rest) : undefined;
  }

  private async require(username: string): Promise<User> {
    const user = await this.find(username);
    if (!user) throw new UserError('not_found', `no user "${username}"`);
    return user;
  }

  /** Refuses a change that would leave the hub without an admin: nobody could manage users any more. */
  private async keepAnAdmin(trx: Kysely<RegistryTables>, user: User, what: string): Promise<void> {
    if (user.role !== 'admin') return;
    const others = await trx.selectFrom('users').select('id').where('role', '=', 'admin').where('id', '!=', user.id).limit(1).executeTakeFirst();
    if (!others) throw new UserError('last_admin', `cannot ${what}: ${user.username} is the only admin; make another user admin first`);
  }
}
