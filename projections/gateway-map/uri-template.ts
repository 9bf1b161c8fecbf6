// URI templates of API resources (WSO2 url-mapping / RFC 6570 subset) compiled into sticky
// regular expressions. The gateway matches them against the raw request URL starting at the
// end of the API prefix, so routing slices no strings. Specificity decides between several
// matching templates: literal segments beat variables, variables beat wildcards.

export interface CompiledTemplate {
  readonly template: string;
  /** Sticky: set lastIndex to where the resource path starts, then test(url). */
  readonly regex: RegExp;
  /** Higher wins when several templates match. */
  readonly specificity: number;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Path part of a template (a query part such as `?q={q}` is ignored), with one leading slash. */
export function normaliseTemplate(template: string): string {
  const q = template.indexOf('?');
  let t = (q >= 0 ? template.slice(0, q) : template).trim();
  if (!t.startsWith('/')) t = '/' + t;
  if (t.length > 1 && t.endsWith('/')) t = t.slice(0, -1);
  return t;
}

export function compileTemplate(template: string): CompiledTemplate {
  const t = normaliseTemplate(template);
  let source = '';
  let literal = 0;
  let variables = 0;
  let wildcard = false;
  const segments = t === '/' ? [] : t.slice(1).split('/');
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '*' && last) {
      // `/orders/*` matches `/orders`, `/orders/` and anything below it.
      source += '(?:/.*)?';
      wildcard = true;
      return;
    }
    source += '/';
    literal += 1;
    let pos = 0;
    const re = /\{(\+?)([^}]*)\}|\*/g;
    for (let m = re.exec(seg); m; m = re.exec(seg)) {
      const before = seg.slice(pos, m.index);
      source += escapeRegex(before);
      literal += before.length;
      if (m[0] === '*' || m[1] === '+') {
        source += '.*';
        wildcard = true;
      } else {
        source += '[^/?]+';
        variables += 1;
      }
      pos = m.index + m[0].length;
    }
    const rest = seg.slice(pos);
    source += escapeRegex(rest);
    literal += rest.length;
  });
  // An optional trailing slash; the path ends at the query string or the end of the URL.
  const regex = new RegExp(`${source}/?(?=\\?|$)`, 'y');
  const specificity = (wildcard ? 0 : 1_000_000) + literal * 100 - variables;
  return { template: t, regex, specificity };
}

/** True when `url` (from `start`, up to its query string) matches the template. */
export function matchesAt(compiled: CompiledTemplate, url: string, start: number): boolean {
  compiled.regex.lastIndex = start;
  return compiled.regex.test(url);
}
