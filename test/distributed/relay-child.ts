// A relay in a process of its own, for the crash test: follows the SQLite log at STORE_PATH,
// relays to TOPIC on KAFKA_BROKERS, prints {"position": "..."} lines as the broker acknowledges.
import { parseBrokers } from '../../infra/bus/kafka-client.ts';
import { startKafkaRelay } from '../../infra/bus/kafka-relay.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';

const store = openSqliteEventStore({ path: process.env.STORE_PATH!, pollIntervalMs: 20 });
const relay = await startKafkaRelay({
  store,
  kafka: parseBrokers(process.env.KAFKA_BROKERS),
  topic: process.env.TOPIC!,
  maxBatch: Number(process.env.MAX_BATCH ?? 500),
});
console.log(JSON.stringify({ resumedFrom: relay.resumedFrom.toString() }));
let last = -1n;
setInterval(() => {
  if (relay.position !== last) {
    last = relay.position;
    console.log(JSON.stringify({ position: last.toString() }));
  }
}, 10);
process.on('SIGTERM', () => {
  void relay.stop().then(() => store.close()).then(() => process.exit(0));
});
