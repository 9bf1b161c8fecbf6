// The EventStore contract against a real KurrentDB / EventStoreDB. CI here cannot start one:
// set KURRENTDB_URL (e.g. kurrentdb://admin:changeit@127.0.0.1:2113?tls=false, a server with
// MaxAppendSize ≥ 8 MiB for the 10k-event batch) and run `npm run test:distributed`.
import { test } from 'node:test';
import { testEventStore } from '../../test/contracts/eventstore.ts';
import { openKurrentDbEventStore } from './kurrentdb.ts';

const url = process.env.KURRENTDB_URL;

if (!url) {
  const why = 'KURRENTDB_URL is unset: the KurrentDB event store contract did NOT run';
  console.log(`\n${'!'.repeat(78)}\nSKIPPED: ${why}\n${'!'.repeat(78)}\n`);
  test('EventStore contract: kurrentdb', { skip: why }, () => {});
} else {
  testEventStore(
    'kurrentdb',
    async () => {
      const store = openKurrentDbEventStore({ connectionString: url });
      return { store, cleanup: () => store.close() };
    },
    { gapFreeFromEmpty: false },
  );
}
