import { describe, expect, it } from 'vitest';
import { TopicRouter, type RoutedMessage } from '../../core/mqtt/topic-router.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const message = (topic: string) => ({ topic });

/** A listener that keeps the topics it got and calls done at once (or keeps done, to call later). */
function listener(holdDone = false) {
  const got: string[] = [];
  const held: Array<() => void> = [];
  const notify = (m: RoutedMessage, done: () => void) => {
    got.push(m.topic);
    if (holdDone) held.push(done);
    else done();
  };
  return { got, held, notify };
}

describe('TopicRouter (the embedded broker mq)', () => {
  it('delivers by MQTT filter, wildcards and empty levels included', () => {
    const router = new TopicRouter();
    const plus = listener();
    const hash = listener();
    const exact = listener();
    router.on('hearth/+/telemetry', plus.notify).on('hearth/#', hash.notify).on('a//b', exact.notify);
    for (const topic of ['hearth/d1/telemetry', 'hearth/d1/status', 'hearth', 'a//b', 'hearth/d1/telemetry/x']) router.emit(message(topic));
    expect(plus.got).toEqual(['hearth/d1/telemetry']);
    expect(hash.got).toEqual(['hearth/d1/telemetry', 'hearth/d1/status', 'hearth', 'hearth/d1/telemetry/x']);
    expect(exact.got).toEqual(['a//b']);
  });

  it('sees a subscription made after a topic was routed, and stops after removal (on the next turn)', async () => {
    const router = new TopicRouter();
    const first = listener();
    router.on('hearth/+/cmd/+', first.notify);
    router.emit(message('hearth/d1/cmd/relay'));
    const late = listener();
    router.on('hearth/d1/cmd/relay', late.notify);
    router.emit(message('hearth/d1/cmd/relay'));
    expect(first.got).toHaveLength(2);
    expect(late.got).toHaveLength(1);

    let removed = false;
    router.removeListener('hearth/+/cmd/+', first.notify, () => (removed = true));
    router.emit(message('hearth/d1/cmd/relay'));
    expect(first.got).toHaveLength(3); // still there this turn, as with mqemitter
    await nextTurn();
    expect(removed).toBe(true);
    router.emit(message('hearth/d1/cmd/relay'));
    expect(first.got).toHaveLength(3);
    expect(late.got).toHaveLength(3);
  });

  it("calls emit's callback once every listener is done, also with none", () => {
    const router = new TopicRouter();
    const slow = listener(true);
    const quick = listener();
    router.on('t/#', slow.notify).on('t/+', quick.notify);
    const emitted: string[] = [];
    router.emit(message('t/1'), () => emitted.push('t/1'));
    router.emit(message('nobody'), () => emitted.push('nobody'));
    expect(emitted).toEqual(['nobody']);
    slow.held[0]!();
    expect(emitted).toEqual(['nobody', 't/1']);
  });

  it('holds messages beyond its concurrency until earlier ones finish, in order', () => {
    const router = new TopicRouter(2);
    const slow = listener(true);
    router.on('q', slow.notify);
    const emitted: number[] = [];
    for (let i = 0; i < 4; i++) router.emit(message('q'), () => emitted.push(i));
    expect(slow.got).toHaveLength(2);
    slow.held[0]!();
    expect(emitted).toEqual([0]);
    expect(slow.got).toHaveLength(3);
    slow.held[1]!();
    slow.held[2]!();
    expect(slow.got).toHaveLength(4);
    slow.held[3]!();
    expect(emitted).toEqual([0, 1, 2, 3]);
  });

  it('refuses to emit once closed', async () => {
    const router = new TopicRouter();
    await new Promise<void>((resolve) => router.close(resolve));
    const errors: Array<Error | undefined> = [];
    router.emit(message('x'), (error) => errors.push(error));
    expect(errors[0]?.message).toBe('mqemitter is closed');
  });
});
