import { testEventStore } from '../../test/contracts/eventstore.ts';
import { openMemoryEventStore } from './memory.ts';

testEventStore('memory', async () => {
  const store = openMemoryEventStore();
  return { store, cleanup: () => store.close() };
});
