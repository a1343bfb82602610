import { launch, startApp } from '@idstream/runtime';
import { loadIngesterConfig } from './config/ingester.config';
import { IngesterModule } from './ingester.module';

launch('tracking-ingester', () => {
  const config = loadIngesterConfig();
  return startApp(IngesterModule, { app: 'tracking-ingester', host: config.bindHost, port: config.httpPort, logLevel: config.logLevel });
});
