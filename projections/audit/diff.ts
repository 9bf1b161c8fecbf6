// Field-level differences between two JSON-like values: what `audit` shows per event and
// what `replay` reports as the first difference between two views.

export interface FieldChange {
  /** Dotted path with [i] for array items, e.g. `endpoints.production`, `operations[0].verb`. */
  path: string;
  /** undefined: the field was added. */
  before: unknown;
  /** undefined: the field was removed. */
  after: unknown;
}

type Plain = Record<string, unknown>;

const isPlainObject = (x: unknown): x is Plain =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map) && !(x instanceof Set);

const isScalar = (x: unknown): boolean => x === null || (typeof x !== 'object' && typeof x !== 'function');

/** Maps become objects and Sets sorted arrays, so views and states compare by content. */
function normalise(x: unknown): unknown {
  if (x instanceof Map) return Object.fromEntries([...x.entries()].map(([k, v]) => [String(k), v]));
  if (x instanceof Set) return [...x].sort();
  return x;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Every leaf that differs, in document order (keys of `before` first, then keys only in `after`).
 * Arrays of scalars are compared as one value (a changed tag list is one change); arrays of
 * objects item by item. `limit` stops early (replay only wants the first).
 */
export function diffFields(before: unknown, after: unknown, limit = Infinity): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return;
    a = normalise(a);
    b = normalise(b);
    if (same(a, b)) return;
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const k of Object.keys(a)) walk(a[k], Object.hasOwn(b, k) ? b[k] : undefined, join(path, k));
      for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) walk(undefined, b[k], join(path, k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && !(a.every(isScalar) && b.every(isScalar))) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) walk(i < a.length ? a[i] : undefined, i < b.length ? b[i] : undefined, `${path}[${i}]`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]))) return;
    if (a === undefined && isPlainObject(b) && Object.keys(b).length > 0) {
      for (const k of Object.keys(b)) walk(undefined, b[k], join(path, k));
      return;
    }
    if (b === undefined && isPlainObject(a) && Object.keys(a).length > 0) {
      for (const k of Object.keys(a)) walk(a[k], undefined, join(path, k));
      return;
    }
    out.push({ path: path === '' ? '(root)' : path, before: a, after: b });
  };
  walk(before, after, '');
  return out;
}

/** Field names that hold secrets or their hashes (`secretHash`, `consumerSecret`, `tokenHash`, `privateJwk`…). */
const SENSITIVE = /(secret|password|hash|hashes)$|^private/i;

/** Replaces the values of secret-looking fields (even hashes) and of anything under one, so audit output can be shared. */
export function redact(changes: FieldChange[]): FieldChange[] {
  return changes.map((c) => {
    const sensitive = c.path.split('.').some((segment) => SENSITIVE.test(segment.replace(/(\[\d+\])+$/, '')));
    if (!sensitive) return c;
    const hide = (v: unknown) => (v === undefined ? undefined : '«redacted»');
    return { path: c.path, before: hide(c.before), after: hide(c.after) };
  });
}
