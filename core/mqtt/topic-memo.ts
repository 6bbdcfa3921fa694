/** Distinct topics remembered (1,000 devices × a few topics each fit many times over; topics are chosen by clients, so it is bounded). */
const TOPICS_KEPT = 20_000;

/**
 * What a topic matches (interceptors, subscribers) or names (a device id),
 * worked out once per topic rather than per message, and forgotten whenever
 * what it is matched against changes. Forgetting replaces the map, so a
 * delivery under way keeps what it was given.
 */
export class TopicMemo<T> {
  private known = new Map<string, T>();

  constructor(private readonly compute: (topic: string) => T) {}

  get(topic: string): T {
    let found = this.known.get(topic);
    if (found === undefined) {
      found = this.compute(topic);
      if (this.known.size >= TOPICS_KEPT) this.known = new Map();
      this.known.set(topic, found);
    }
    return found;
  }

  forget(): void {
    this.known = new Map();
  }
}
