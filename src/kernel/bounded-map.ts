/**
 * Module-level caches live as long as the isolate, which serves every app and every person: each
 * one keyed by something unbounded (an API key presented, an app, a provider account) is capped,
 * the least recently used entry dropped first. A Map keeps insertion order; re-inserting moves a key
 * to the end, so `keys().next()` is always the least recently used.
 */

/** Stores `value` under `key` as the most recently used entry, then drops the oldest beyond `max`. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

/** Reads `key`, marking it most recently used. */
export function getTouched<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}
