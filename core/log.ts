import pino, { type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = Level | 'silent';

/**
 * Readable lines in a terminal, JSON lines otherwise (journald, Docker, log
 * shippers). Writes are synchronous so the last lines before an exit are never
 * lost. Anything that looks like a secret is redacted wherever it appears.
 */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stdout): Logger {
  const options = {
    level,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
  };
  const tty = (destination as { isTTY?: boolean }).isTTY === true;
  if (tty) return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,plugin', messageFormat: '{if plugin}[{plugin}] {end}{msg}' }));
  return pino(options, destination === process.stdout ? pino.destination({ sync: true }) : destination);
}
