const known = new Map<string, boolean>();

/**
 * Whether `zone` is an IANA time zone this runtime knows (Europe/Berlin). Building an Intl.DateTimeFormat is slow
 * enough to show on every request, so each answer is kept (the set of zones is small and fixed per runtime).
 */
export function isTimeZone(zone: string): boolean {
  let answer = known.get(zone);
  if (answer === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      answer = true;
    } catch {
      answer = false;
    }
    // Unknown strings are not kept: a caller sending random zones must not grow the map without bound.
    if (answer) known.set(zone, true);
  }
  return answer;
}
