import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RegistryTables } from '../db/tables.ts';
import { ApiTokens } from './api-tokens.ts';
import { loadHttpSecret } from './http-secret.ts';
import { looksLikeJwt, SESSION_LIFETIME_MS, signSession, verifySession } from './jwt.ts';
import { LoginThrottle } from './login-throttle.ts';
import { Sessions } from './sessions.ts';
import { Users, type User } from './users.ts';

/** Who made a request, and with what: a login (session JWT) or an API token. */
export interface Principal {
  user: User;
  via: { kind: 'session'; sessionId: string } | { kind: 'token'; tokenId: number };
}

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

export type LoginResult = ({ ok: true; user: User } & IssuedSession) | { ok: false; retryAfterMs: number };

export interface HttpAuthOptions {
  db: Kysely<RegistryTables>;
  dataDir: string;
  log: Logger;
  /** ms since the epoch; tests move it to expire sessions */
  clock?: () => number;
}

/**
 * Users, their logins and API tokens, as the HTTP API needs them: who is
 * behind a token, logging in (throttled) and out. Everything is read from the
 * database per request, so the CLI working on the same data dir is seen at once.
 */
export class HttpAuth {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly tokens: ApiTokens;
  private readonly throttle: LoginThrottle;
  private readonly secret: string;
  private readonly clock: () => number;
  private readonly log: Logger;
  /** Once a user exists the API stays closed: the last admin cannot be removed. */
  private usersSeen = false;

  constructor(options: HttpAuthOptions) {
    this.clock = options.clock ?? Date.now;
    this.log = options.log;
    this.secret = loadHttpSecret(options.dataDir);
    this.users = new Users(options.db, this.clock);
    this.sessions = new Sessions(options.db, this.clock);
    this.tokens = new ApiTokens(options.db, this.clock);
    this.throttle = new LoginThrottle(this.clock);
  }

  /** Until the first user exists the API answers everyone (and the hub listens on this machine only). */
  async usersExist(): Promise<boolean> {
    this.usersSeen ||= await this.users.any();
    return this.usersSeen;
  }

  /** The principal behind a bearer token or session cookie value; undefined when it is unknown, expired or revoked. */
  async authenticate(credential: string): Promise<Principal | undefined> {
    const token = await this.tokens.userOf(credential);
    if (token) return { user: token.user, via: { kind: 'token', tokenId: token.tokenId } };
    if (!looksLikeJwt(credential)) return undefined;
    const claims = await verifySession(credential, this.secret, this.clock());
    const user = claims && (await this.sessions.userOf(claims.sid, Number(claims.sub)));
    return user && { user, via: { kind: 'session', sessionId: claims.sid } };
  }

  /**
   * Checks a password, throttled per username and per client address. A wrong
   * password and an unknown user get the same answer in the same time.
   */
  async checkPassword(username: string, password: string, address: string): Promise<{ user: User } | { user: undefined; retryAfterMs: number }> {
    const keys = [`user:${username.toLowerCase()}`, `address:${address}`];
    const retryAfterMs = this.throttle.retryAfterMs(keys);
    if (retryAfterMs > 0) {
      this.log.warn(`password check from ${address} refused: too many failures, ${Math.ceil(retryAfterMs / 1000)} s to wait`);
      return { user: undefined, retryAfterMs };
    }
    const user = await this.users.verifyPassword(username, password);
    if (!user) {
      this.throttle.fail(keys);
      this.log.warn(`wrong username or password from ${address}`);
      return { user: undefined, retryAfterMs: 0 };
    }
    this.throttle.succeed(keys);
    return { user };
  }

  /** `checkPassword`, then a new session. */
  async login(username: string, password: string, address: string): Promise<LoginResult> {
    const checked = await this.checkPassword(username, password, address);
    if (!checked.user) return { ok: false, retryAfterMs: checked.retryAfterMs };
    this.log.info({ user: checked.user.username }, `${checked.user.username} logged in from ${address}`);
    return { ok: true, user: checked.user, ...(await this.startSession(checked.user)) };
  }

  /** A new session and its JWT (also after onboarding or a password change). */
  async startSession(user: User): Promise<IssuedSession> {
    const session = await this.sessions.start(user.id, SESSION_LIFETIME_MS);
    const claims = { sub: String(user.id), role: user.role, sid: session.id, iat: Math.floor(this.clock() / 1000), exp: Math.floor(session.expiresAt / 1000) };
    return { token: await signSession(claims, this.secret), expiresAt: session.expiresAt };
  }

  /** Ends the session the principal came with; an API token stays valid (revoke it by name). */
  async logout(principal: Principal): Promise<void> {
    if (principal.via.kind === 'session') await this.sessions.end(principal.via.sessionId);
  }

  /** Writes when tokens were last used; the hub calls it with its other periodic writes. */
  flush(): Promise<void> {
    return this.tokens.flushLastUsed();
  }
}
