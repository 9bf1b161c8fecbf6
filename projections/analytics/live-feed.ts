// A push source (listener callbacks) as an async iterator, for GraphQL subscriptions: bounded
// (a client that stops reading is cut off instead of growing memory), and unsubscribed when the
// client goes away (`return`).

const MAX_BUFFERED = 1_000;

export function liveFeed<T>(subscribe: (push: (value: T) => void) => () => void): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | undefined;
  let failure: Error | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
  };
  const unsubscribe = subscribe((value) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value, done: false });
    } else if (buffer.length >= MAX_BUFFERED) {
      failure = new Error('The subscriber is too slow: buffer overflow');
      finish();
    } else buffer.push(value);
  });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
