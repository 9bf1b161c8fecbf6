// The command facade as the GraphQL layer sees it (one method per SPEC mutation).
export type { Gatehouse } from '../../domain/services/gatehouse.ts';
export type { MutationResult } from '../../domain/services/kit.ts';
