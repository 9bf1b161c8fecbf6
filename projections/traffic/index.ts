// The traffic manager's pure projection: request facts → cluster-wide counters → decisions.
export * from './hits.ts';
export * from './counters.ts';
export * from './partitions.ts';
