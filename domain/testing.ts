// Given-when-then for deciders (test code only): given these events, when this command,
// then these events, or this typed error.
import assert from 'node:assert/strict';
import { fold, type Decider } from './decider.ts';
import { isDomainError, type DomainErrorCode } from './errors.ts';
import type { DomainEvent } from './ports.ts';

export function given<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, events: readonly E[] = []) {
  const state = fold(decider, events);
  return {
    state,
    when(command: C) {
      return {
        then(expected: readonly E[]): void {
          assert.deepEqual(decider.decide(command, state), expected);
        },
        thenNothing(): void {
          assert.deepEqual(decider.decide(command, state), []);
        },
        thenThrows(code: DomainErrorCode, message?: RegExp): void {
          assert.throws(
            () => decider.decide(command, state),
            (e: unknown) => {
              assert.ok(isDomainError(e), `expected a DomainError, got ${String(e)}`);
              assert.equal(e.code, code, e.message);
              if (message) assert.match(e.message, message);
              return true;
            },
          );
        },
        /** The events decided, for assertions on part of them. */
        events(): E[] {
          return decider.decide(command, state);
        },
      };
    },
  };
}
