// Query-string access without parsing the whole string: one parameter by name, and the URL
// with one parameter removed (the `apikey` credential is not forwarded to the backend).

/** The decoded value of the first `name` parameter, or undefined. */
export function queryParam(url: string, pathEnd: number, name: string): string | undefined {
  if (pathEnd >= url.length) return undefined;
  let i = pathEnd + 1;
  while (i < url.length) {
    let amp = url.indexOf('&', i);
    if (amp < 0) amp = url.length;
    const eq = url.indexOf('=', i);
    const keyEnd = eq >= 0 && eq < amp ? eq : amp;
    if (keyEnd - i === name.length && url.startsWith(name, i)) {
      const raw = keyEnd === amp ? '' : url.slice(keyEnd + 1, amp);
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
    i = amp + 1;
  }
  return undefined;
}

/** `url` without any `name` parameter (and without a dangling `?`). */
export function withoutQueryParam(url: string, pathEnd: number, name: string): string {
  if (pathEnd >= url.length) return url;
  const kept = url
    .slice(pathEnd + 1)
    .split('&')
    .filter((pair) => {
      const eq = pair.indexOf('=');
      return (eq < 0 ? pair : pair.slice(0, eq)) !== name;
    });
  return kept.length === 0 || (kept.length === 1 && kept[0] === '') ? url.slice(0, pathEnd) : `${url.slice(0, pathEnd)}?${kept.join('&')}`;
}
