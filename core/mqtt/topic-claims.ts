/**
 * Vendor topics a plugin claims for a device's MQTT account. A Shelly speaks
 * under its own prefix (`shellyplus1pm-a8032ab1/…`), not under `hearth/<id>/`,
 * so the plugin that understands it tells the broker which topics that
 * device's account may use besides its own.
 */
export class TopicClaims {
  private readonly byDevice = new Map<string, Set<Claim>>();

  /** Lets `deviceId`'s account publish and subscribe on `filters`; returns what takes it back. */
  claim(deviceId: string, filters: readonly string[], owner: string): () => void {
    for (const filter of filters) checkClaimable(filter, owner);
    const claim: Claim = { filters: [...filters], owner };
    let claims = this.byDevice.get(deviceId);
    if (!claims) this.byDevice.set(deviceId, (claims = new Set()));
    claims.add(claim);
    return () => {
      claims.delete(claim);
      if (claims.size === 0 && this.byDevice.get(deviceId) === claims) this.byDevice.delete(deviceId);
    };
  }

  /** True when a claim of the device covers publishing on `topic`. */
  mayPublish(deviceId: string, topic: string): boolean {
    return this.some(deviceId, (filter) => covers(filter, topic));
  }

  /** True when a claim of the device covers every topic `filter` can match. */
  maySubscribe(deviceId: string, filter: string): boolean {
    return this.some(deviceId, (claimed) => covers(claimed, filter));
  }

  private some(deviceId: string, test: (filter: string) => boolean): boolean {
    const claims = this.byDevice.get(deviceId);
    if (!claims) return false;
    for (const claim of claims) if (claim.filters.some(test)) return true;
    return false;
  }
}

interface Claim {
  filters: string[];
  owner: string;
}

/** A filter a plugin may hand to a device: a well-formed MQTT filter outside the hub's own and the broker's topics. */
function checkClaimable(filter: string, owner: string): void {
  const levels = filter.split('/');
  const wellFormed =
    filter.length > 0 &&
    levels.every((level, i) => (level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+'));
  if (!wellFormed) throw new Error(`plugin ${owner}: "${filter}" is not an MQTT topic filter`);
  if (levels[0] === '#' || levels[0] === '+' || levels[0] === 'hearth' || filter.startsWith('$')) {
    throw new Error(`plugin ${owner}: "${filter}" may not be claimed for a device (it reaches beyond the device's own vendor prefix)`);
  }
}

/** Whether `filter` matches every topic that `inner` (a topic or a filter) can stand for. */
function covers(filter: string, inner: string): boolean {
  const outer = filter.split('/');
  const levels = inner.split('/');
  for (let i = 0; i < outer.length; i++) {
    const level = outer[i];
    if (level === '#') return true;
    const other = levels[i];
    if (other === undefined || other === '#') return false;
    if (level === '+') continue;
    if (level !== other) return false;
  }
  return outer.length === levels.length;
}
