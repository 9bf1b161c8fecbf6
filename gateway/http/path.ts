// Request-target checks. The gateway routes on the raw path, so anything that could make the
// backend see a different path than the one routed is refused instead of rewritten: dot
// segments (`..`, `.`, also percent-encoded), encoded slashes and backslashes, backslashes,
// NUL and control characters, raw non-ASCII bytes (node's parser already refuses them),
// invalid percent-encoding and percent-encoded invalid UTF-8.

export interface PathInfo {
  /** Index of `?`, or the URL's length. */
  pathEnd: number;
}

const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
const ENCODED_SEPARATOR = /%(?:2f|5c|00)/i;

/** Returns pathEnd, or -1 when the request target must be refused (400). */
export function checkRequestTarget(url: string): number {
  if (url.charCodeAt(0) !== 47 /* / */) return -1; // absolute-form and asterisk-form are not proxied
  const q = url.indexOf('?');
  const pathEnd = q < 0 ? url.length : q;
  let needsDeepCheck = false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x5c /* \ */) return -1;
    if (c === 0x25 /* % */ || (c === 0x2e /* . */ && url.charCodeAt(i - 1) === 47)) needsDeepCheck = true;
  }
  if (!needsDeepCheck) return pathEnd;
  const path = url.slice(0, pathEnd);
  if (DOT_SEGMENT.test(path) || ENCODED_SEPARATOR.test(path)) return -1;
  if (url.includes('%')) {
    try {
      decodeURIComponent(path);
      if (q >= 0) decodeURIComponent(url.slice(q + 1).replace(/\+/g, ' '));
    } catch {
      return -1;
    }
  }
  return pathEnd;
}
