/**
 * Group commit: every caller in the same event-loop turn shares one commit.
 * Each caller's data was queued before it asked, and the commit starts after
 * the turn, so a resolved promise always means "what I queued is on disk".
 */
export function groupCommit(commit: () => Promise<void>): () => Promise<void> {
  let next: Promise<void> | undefined;
  return () =>
    (next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      // Callers from here on queue data this commit may not include: they get the next one.
      next = undefined;
      return commit();
    }));
}
