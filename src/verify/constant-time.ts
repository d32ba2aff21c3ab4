/**
 * Constant-time equality of a received candidate and the expected ASCII text
 * `head + tail` (e.g. "v1," + an encoded digest), without building that string.
 * The loop always runs over the whole expected length with no data-dependent
 * branch; only a length mismatch answers early, and the length of an encoded
 * digest is public. UTF-16 code units are compared whole, so a non-ASCII candidate
 * never equals an ASCII expected value.
 *
 * Used on both platforms: for a 47-character entry it costs a fraction of
 * allocating two Buffers for node's `timingSafeEqual`, with the same guarantee.
 */
export function equalConstantTime(candidate: string, head: string, tail = ""): boolean {
  const split = head.length;
  if (candidate.length !== split + tail.length) return false;
  let diff = 0;
  for (let i = 0; i < split; i++) diff |= candidate.charCodeAt(i) ^ head.charCodeAt(i);
  for (let i = 0; i < tail.length; i++) diff |= candidate.charCodeAt(split + i) ^ tail.charCodeAt(i);
  return diff === 0;
}
