import { createInterface } from 'node:readline';

/** Reads one line from a terminal without echoing it (raw mode); the prompt goes to stderr so stdout stays clean for scripts. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new Error('cancelled'));
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    input.on('data', onData);
  });
}

/** The first `count` lines of a piped stdin, without waiting for its end. */
function readLines(input: NodeJS.ReadableStream, count: number): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input, terminal: false });
  return new Promise((resolve) => {
    reader.on('line', (line) => {
      lines.push(line);
      if (lines.length === count) reader.close();
    });
    reader.on('close', () => resolve(lines));
  });
}

/**
 * A new password, typed twice: prompted without echo on a terminal, else the
 * first two lines of stdin (`printf 'pw\npw\n' | hearth user add …`).
 * Never from the command line, where it would stay in the shell history.
 */
export async function readNewPassword(label: string, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const [first, second] =
    input === process.stdin && process.stdin.isTTY
      ? [await promptHidden(`New password for ${label}: `), await promptHidden('The same again: ')]
      : await readLines(input, 2);
  if (first === undefined || second === undefined) throw new Error('expected the new password twice on stdin, one line each');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}
