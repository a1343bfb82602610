import { installRecordEncoder } from '@idstream/messaging';
import { launch, startApp } from '@idstream/runtime';
import { loadIngesterConfig } from './config/ingester.config';
import { IngesterModule } from './ingester.module';

launch('tracking-ingester', async () => {
  // One buffer per output record instead of kafkajs's ten or so (libs/messaging record-encoder.ts); before any produce.
  if (!installRecordEncoder()) throw new Error('the record encoder must be installed before kafkajs loads its produce request');
  const config = loadIngesterConfig();
  return startApp(IngesterModule, { app: 'tracking-ingester', host: config.bindHost, port: config.httpPort, logLevel: config.logLevel });
});
