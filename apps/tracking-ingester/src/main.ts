import { launch, startApp } from '@idstream/runtime';
import { loadIngesterConfig } from './config/ingester.config';
import { IngesterModule } from './ingester.module';

launch('tracking-ingester', async () => {
  // libs/messaging's installRecordEncoder is not installed here: with it, the kill-and-restart
  // int-spec accepted an event twice in 2 of 7 runs on a loaded machine (0 of 6 without it); see docs/benchmarks.md.
  const config = loadIngesterConfig();
  return startApp(IngesterModule, { app: 'tracking-ingester', host: config.bindHost, port: config.httpPort, logLevel: config.logLevel });
});
