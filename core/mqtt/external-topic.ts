/**
 * MQTT topic filter matching (MQTT 3.1.1 §4.7 / MQTT 5 §4.7): `+` matches one
 * level, `#` (last) matches the parent level and everything below, and
 * wildcards at the first level never match topics starting with `$`.
 * A shared subscription `$share/<group>/<filter>` matches like `<filter>`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  return levelsMatch(filterLevels(filter), topic.split('/'));
}

/** A filter's levels, without a `$share/<group>/` prefix; split once for filters matched against many topics. */
export function filterLevels(filter: string): string[] {
  if (filter.startsWith('$share/')) {
    const rest = filter.indexOf('/', '$share/'.length);
    if (rest < 0) return [];
    filter = filter.slice(rest + 1);
  }
  return filter.split('/');
}

/** `topicMatches` on split filter and topic (an empty filter matches nothing). */
export function levelsMatch(f: readonly string[], t: readonly string[]): boolean {
  if (f.length === 0) return false;
  if (t[0]?.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The URL with its password (and any in the query string) removed, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    // not a URL we can parse: say nothing that might be a secret
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
