// A distributed gateway process for the cluster test: the real gateway (gateway/server.ts)
// fed by Kafka instead of the log — createKafkaGatewayFeed (changelog + gatehouse.events),
// request facts to gatehouse.requests, decisions from gatehouse.throttle. This is the
// composition `gatehouse gateway` needs when KAFKA_BROKERS is set. GATEHOUSE_GATEWAY_COUNT
// (default 1) is its localQuotaGateways: the local share of a cluster-wide limit is
// ceil(limit / count) until the traffic manager decides. Prints {"url": ...}.
import pino from 'pino';
import { createKafka, parseBrokers } from '../../infra/bus/kafka-client.ts';
import { createKafkaGatewayFeed } from '../../infra/bus/kafka-gateway-feed.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { createKafkaThrottleDecisionStream } from '../../infra/bus/kafka-throttle.ts';
import { startGateway } from '../../gateway/server.ts';

const logger = pino({ level: process.env.GATEHOUSE_LOG_LEVEL ?? 'info', base: { role: 'gateway', gatewayId: process.env.GATEWAY_ID } });
const kafka = createKafka(parseBrokers(process.env.KAFKA_BROKERS), { clientId: `gateway-${process.env.GATEWAY_ID}`, logger });
const feed = await createKafkaGatewayFeed({ kafka, logger });
const requestStream = await createKafkaRequestStream({ kafka, logger });
const throttleDecisions = await createKafkaThrottleDecisionStream({ kafka, logger });
const gateway = await startGateway({
  ...feed,
  requestStream,
  throttleDecisions,
  port: 0,
  host: '127.0.0.1',
  issuer: process.env.GATEHOUSE_ISSUER!,
  gatewayId: process.env.GATEWAY_ID ?? 'gw',
  localQuotaGateways: Number(process.env.GATEHOUSE_GATEWAY_COUNT ?? 1),
  logger,
});
process.stdout.write(`${JSON.stringify({ url: gateway.url })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await gateway.close();
    await requestStream.close();
    await throttleDecisions.close();
    process.exit(0);
  })();
});
