// Errors of the projection runner. api/errors.ts maps them (a timeout is not a domain error:
// the client asked for a position the views have not reached within the bound).

/** `waitForPosition` gave up: the views did not reach `position` within `timeoutMs`. */
export class ViewTimeoutError extends Error {
  readonly code = 'VIEW_TIMEOUT' as const;
  readonly position: bigint;
  readonly reached: bigint;
  readonly timeoutMs: number;
  constructor(position: bigint, reached: bigint, timeoutMs: number) {
    super(`views did not reach position ${position} within ${timeoutMs} ms (at ${reached})`);
    this.name = 'ViewTimeoutError';
    this.position = position;
    this.reached = reached;
    this.timeoutMs = timeoutMs;
  }
}

/** A projection threw while applying an event: its view is stopped at `position`. */
export class ProjectionFailedError extends Error {
  readonly code = 'PROJECTION_FAILED' as const;
  readonly projection: string;
  readonly position: bigint;
  constructor(projection: string, position: bigint, cause: unknown) {
    super(`projection ${projection} failed at position ${position}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProjectionFailedError';
    this.projection = projection;
    this.position = position;
  }
}

export class RunnerClosedError extends Error {
  readonly code = 'RUNNER_CLOSED' as const;
  constructor() {
    super('the projection runner is closed');
    this.name = 'RunnerClosedError';
  }
}

export class UnknownProjectionError extends Error {
  readonly code = 'UNKNOWN_PROJECTION' as const;
  readonly projection: string;
  constructor(projection: string, known: readonly string[]) {
    super(`unknown projection '${projection}' (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownProjectionError';
    this.projection = projection;
  }
}
