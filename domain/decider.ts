// An aggregate is three plain functions (Emmett's decider): no classes, no hidden state.
import type { DomainEvent } from './ports.ts';

export interface Decider<State, Command, Event extends DomainEvent> {
  /** Throws a DomainError when the command is refused; returns [] when there is nothing to do. */
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state. */
export const fold = <State, Event extends DomainEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState());
