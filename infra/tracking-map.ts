// A Map that notes the keys a pure projection's `apply` touched, so an adapter can write out only
// what changed (the catalog documents in MongoDB, the gateway-map changelog buckets) without a
// diff of the whole view. Writes (set, delete, clear) are always noted; reads (`get`) too when
// asked, for projections that change a record in place after getting it.
export class TrackingMap<V> extends Map<string, V> {
  readonly touched = new Set<string>();
  private readonly trackReads: boolean;

  constructor(entries?: Iterable<readonly [string, V]> | null, options: { reads?: boolean } = {}) {
    super(entries);
    this.trackReads = options.reads ?? false;
  }

  override get(key: string): V | undefined {
    if (this.trackReads) this.touched.add(key);
    return super.get(key);
  }

  override set(key: string, value: V): this {
    this.touched?.add(key); // undefined only while Map's constructor runs
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.touched.add(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const key of this.keys()) this.touched.add(key);
    super.clear();
  }
}
