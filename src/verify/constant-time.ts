/**
 * Constant-time equality of a candidate and the ASCII text `head + tail` (e.g. "v1," + a
 * digest), without building it. Only a length mismatch (public for a digest) answers early.
 * Cheaper than two Buffers for node's `timingSafeEqual`, so used on both platforms.
 */
export function equalConstantTime(candidate: string, head: string, tail = ""): boolean {
  const split = head.length;
  if (candidate.length !== split + tail.length) return false;
  let diff = 0;
  for (let i = 0; i < split; i++) diff |= candidate.charCodeAt(i) ^ head.charCodeAt(i);
  for (let i = 0; i < tail.length; i++) diff |= candidate.charCodeAt(split + i) ^ tail.charCodeAt(i);
  return diff === 0;
}
