// A sorted set of strings with O(log n + B) insert and delete: keys live in chunks of at most
// 2·B, each sorted, the chunks in order. A flat sorted array costs an O(n) shift per insert,
// which made folding 10^5–10^6 APIs quadratic; here a shift moves at most 2·B keys.
const B = 256;

/** First index whose key is >= key (or > key when `strict`). */
export function lowerBound(sorted: readonly string[], key: string, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = sorted[mid]!;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys {
  #chunks: string[][] = [];
  #size = 0;

  /** Keys already in ascending order, without duplicates. */
  static fromSorted(keys: readonly string[]): SortedKeys {
    const set = new SortedKeys();
    for (let i = 0; i < keys.length; i += B) set.#chunks.push(keys.slice(i, i + B));
    set.#size = keys.length;
    return set;
  }

  get size(): number {
    return this.#size;
  }

  /** Index of the first chunk whose last key is >= key (> key when `strict`); chunks.length if none. */
  #chunkOf(key: string, strict: boolean): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = chunks[mid]![chunks[mid]!.length - 1]!;
      if (last < key || (strict && last === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    const chunk = this.#chunks[this.#chunkOf(key, false)];
    return chunk !== undefined && chunk[lowerBound(chunk, key)] === key;
  }

  /** Adds the key; false when it was already there. */
  add(key: string): boolean {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([key]);
      this.#size = 1;
      return true;
    }
    const c = Math.min(this.#chunkOf(key, false), chunks.length - 1);
    const chunk = chunks[c]!;
    const at = lowerBound(chunk, key);
    if (chunk[at] === key) return false;
    chunk.splice(at, 0, key);
    this.#size++;
    if (chunk.length >= 2 * B) chunks.splice(c + 1, 0, chunk.splice(B));
    return true;
  }

  /** Removes the key; false when it was not there. */
  delete(key: string): boolean {
    const chunks = this.#chunks;
    const c = this.#chunkOf(key, false);
    const chunk = chunks[c];
    if (chunk === undefined) return false;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) chunks.splice(c, 1);
    else if (chunk.length < B / 2 && c + 1 < chunks.length) {
      // Keep chunks from thinning out under churn: absorb the next one (and split again if large).
      const merged = chunk.concat(chunks[c + 1]!);
      chunks.splice(c, 2, ...(merged.length >= 2 * B ? [merged.slice(0, B), merged.slice(B)] : [merged]));
    }
    return true;
  }

  /**
   * Calls `visit` with each key in ascending order from the first >= `from` (> `from` when
   * `strict`; every key without `from`) until it returns false. A callback rather than an
   * iterator: a generator costs ~50 ns per key, which a filtered walk of every API pays.
   * The set must not change during the walk.
   */
  each(visit: (key: string) => boolean | void, from?: string, strict = false): void {
    const chunks = this.#chunks;
    let c = from === undefined ? 0 : this.#chunkOf(from, strict);
    let i = from === undefined || c >= chunks.length ? 0 : lowerBound(chunks[c]!, from, strict);
    for (; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c]!;
      for (; i < chunk.length; i++) if (visit(chunk[i]!) === false) return;
    }
  }
}
