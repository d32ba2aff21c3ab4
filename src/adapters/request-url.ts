/**
 * The URL of a request the adapters build: `scheme://host/path`, or on `localhost` when the Host header is one no
 * URL accepts (only a hand-made request sends one), which must not cost the delivery.
 */
export function requestUrl(scheme: string, host: string, path: string): string {
  const absolute = path.startsWith("/") ? path : `/${path}`;
  const url = `${scheme}://${host}${absolute}`;
  return URL.canParse(url) ? url : `${scheme}://localhost${absolute}`;
}
