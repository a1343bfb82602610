import 'reflect-metadata';
import { createKafka } from '@idstream/messaging';
import { JsonLogger } from '@idstream/runtime';
import { loadProjectorConfig } from '../config/projector.config';
import { SealedEventsOpener } from '../keys/sealed-events.opener';
import { rebuildReadModel } from './rebuild';

/*
 * `npm run projector:rebuild [-- --keep-old]`: rebuilds the profile read model from offset 0
 * and swaps it in (see rebuild.ts). Run it with the live projector's environment
 * (DATABASE_URL, KAFKA_BROKERS, PROJECTOR_SCHEMA, PROJECTOR_GROUP_ID, and the key service's
 * AUTH_HOST, AUTH_TCP_PORT, IDSTREAM_KEY_SERVICE_SECRET: erased profiles come out without data).
 */
const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(
    'usage: npm run projector:rebuild [-- --keep-old]\n  --keep-old  keep the replaced read model as <schema>_old until the next rebuild\n',
  );
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--keep-old');
if (unknown.length > 0) {
  process.stderr.write(`projector-rebuild: unknown argument ${unknown[0]} (try --help)\n`);
  process.exit(64);
}

const config = loadProjectorConfig();
const logger = new JsonLogger('projector-rebuild', config.logLevel);
const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());

const opener = new SealedEventsOpener(config.keyService);
rebuildReadModel({
  kafka: createKafka({ brokers: config.kafkaBrokers, clientId: 'idstream-projector-rebuild', log: logger }),
  databaseUrl: config.databaseUrl,
  topic: config.topic,
  topics: config.topics,
  liveSchema: config.schema,
  liveGroupId: config.groupId,
  keepOld: args.includes('--keep-old'),
  log: (entry) => logger.log(entry, 'Rebuild'),
  signal: abort.signal,
  opener,
})
  .finally(() => opener.close())
  .then(
    (result) => {
      logger.log({ msg: 'rebuild done', ...result }, 'Rebuild');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`projector-rebuild: failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
