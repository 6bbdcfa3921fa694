import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenCommand, userCommand, type UserCommandOptions } from '../core/cli-user.ts';
import { loadConfig } from '../core/config/load-config.ts';
import { call, login } from './support/auth.ts';
import { startHub, type TestHub } from './support/hub.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hearth.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('hearth user and hearth token, beside a running hub', () => {
  let hub: TestHub;
  /** Runs the CLI on the hub's config and data dir, as a person at the same machine would, stdin piped (not a terminal). */
  const hearth = (args: string[], input = ''): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args, '--config', join(hub.dir, 'hearth.yaml')], {
        env: { ...process.env, HEARTH_DATA_DIR: '', HEARTH_CONFIG: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(input);
    });

  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub.stop());

  it('adds a user with the password from two lines of stdin; the hub lets them log in at once', async () => {
    const added = await hearth(['user', 'add', 'newcomer', '--role', 'admin', '--email', 'new@example.org'], 'newcomer-pass-123456\nnewcomer-pass-123456\n');
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('user newcomer (admin) created; log in at POST /api/auth/login or in the UI\n');
    expect(added.status).toBe(0);
    const session = await login(hub, 'newcomer', 'newcomer-pass-123456');
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ username: 'newcomer', role: 'admin', email: 'new@example.org', phone: null });
    // The API is closed now that a user exists.
    expect((await call(hub.api, 'GET', '/api/states')).status).toBe(401);
  });

  it('refuses bad input with a clear message and a non-zero exit, creating nobody', async () => {
    const short = await hearth(['user', 'add', 'shorty', '--role', 'user'], 'short\nshort\n');
    expect(short.stderr).toBe('password: must NOT have fewer than 10 characters\n');
    expect(short.status).not.toBe(0);

    // The same commands in this process, for speed: what `hearth` prints on stderr is the error's message.
    const config = loadConfig(join(hub.dir, 'hearth.yaml'), { env: {} });
    const pw = 'a-good-passphrase\na-good-passphrase\n';
    const cases: Array<[string, string[], UserCommandOptions, string, RegExp]> = [
      [
        'user',
        ['add', 'bad name'],
        { role: 'boss', email: 'nope', phone: '0151' },
        pw,
        /^username: must match pattern .*\n--role: must be one of: admin, user, viewer \(got "boss"\)\n--email: must match format "email" \(got "nope"\)\n--phone: must match pattern/,
      ],
      ['user', ['add', 'norole'], {}, pw, /^--role: give one of admin, user, viewer$/],
      ['user', ['add', 'typo'], { role: 'user' }, 'a-good-passphrase\na-good-passphrasf\n', /^the two passwords differ$/],
      ['user', ['add', 'once'], { role: 'user' }, 'a-good-passphrase\n', /^expected the new password twice on stdin, one line each$/],
      ['user', ['add', 'newcomer'], { role: 'user' }, pw, /^user "newcomer" exists; a new password: hearth user passwd newcomer$/],
      ['user', ['add', 'argv'], { role: 'user', password: 'in-the-history' }, '', /^--password: not taken on the command line/],
      ['user', ['remove', 'newcomer'], {}, '', /^hearth user remove: expected add, list or passwd/],
      ['user', ['passwd', 'ghost'], {}, pw, /^hearth user passwd: no user "ghost"/],
      ['token', ['create', 'ci'], { user: 'ghost' }, '', /^--user: no user "ghost" \(see hearth user list\)$/],
      ['token', ['create', 'ci'], {}, '', /^--user: which user\? e\.g\. --user alice$/],
      ['token', ['create', 'bad/name'], { user: 'newcomer' }, '', /^name: must match pattern/],
      ['token', ['revoke', 'nothing'], { user: 'newcomer' }, '', /^newcomer has no token "nothing"/],
    ];
    for (const [command, args, options, input, message] of cases) {
      const run = command === 'user' ? userCommand : tokenCommand;
      await expect(run(config, args, { ...options, input: Readable.from([input]) }), `${command} ${args.join(' ')}`).rejects.toThrow(message);
    }
    const list = await hearth(['user', 'list']);
    expect(list.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['newcomer']);
  });

  it('creates a token printed once on its own last line; revoking it counts on the next request', async () => {
    const created = await hearth(['token', 'create', 'newcomer', '--user', 'newcomer']);
    expect(created.status).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const token = lines.at(-1)!;
    expect(token).toMatch(/^hth_[A-Za-z0-9_-]{43}$/);
    // What a script does with it (see the README): the last long run of token characters.
    expect(created.stdout.match(/[A-Za-z0-9._~+/=-]{24,}/g)!.at(-1)).toBe(token);
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(200);

    const listed = await hearth(['token', 'list', '--user', 'newcomer']);
    expect(listed.stdout).toMatch(/^NAME\s+CREATED\s+LAST USED\nnewcomer\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+/);
    expect(listed.stdout).not.toContain(token);

    const revoked = await hearth(['token', 'revoke', 'newcomer', '--user', 'newcomer']);
    expect(revoked.stdout).toBe('token "newcomer" of newcomer revoked\n');
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(401);
  });

  it('sets a new password: the old one and the user’s sessions stop working', async () => {
    const session = (await login(hub, 'newcomer', 'newcomer-pass-123456')).body.token;
    const changed = await hearth(['user', 'passwd', 'newcomer'], 'another-pass-123456\nanother-pass-123456\n');
    expect(changed.stdout).toBe('password of newcomer changed; their logins ended\n');
    expect((await call(hub.api, 'GET', '/api/profile', { token: session })).status).toBe(401);
    expect((await login(hub, 'newcomer', 'newcomer-pass-123456')).status).toBe(401);
    expect((await login(hub, 'newcomer', 'another-pass-123456')).status).toBe(200);
  });
});
