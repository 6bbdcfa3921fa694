import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../core/store/group-commit.ts';

describe('groupCommit', () => {
  it('gives every caller of one event-loop turn the same commit, and later callers the next one', async () => {
    const queued: number[] = [];
    const committed: number[][] = [];
    const commit = groupCommit(async () => {
      committed.push(queued.splice(0));
    });
    queued.push(1);
    const a = commit();
    queued.push(2);
    const b = commit();
    expect(a).toBe(b);
    expect(committed).toEqual([]); // nothing yet: the commit waits for the turn to end
    await a;
    expect(committed).toEqual([[1, 2]]);

    queued.push(3);
    await commit();
    expect(committed).toEqual([[1, 2], [3]]);
  });
});
