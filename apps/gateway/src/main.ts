import { launch, startApp } from '@idstream/runtime';
import { loadGatewayConfig } from './config/gateway.config';
import { registerCors } from './http/cors/cors';
import { setupOpenApi } from './openapi/openapi.setup';
import { GatewayModule } from './gateway.module';

launch('gateway', async () => {
  const config = loadGatewayConfig();
  const app = await startApp(GatewayModule, {
    app: 'gateway',
    host: config.bindHost,
    port: config.port,
    logLevel: config.logLevel,
    bodyLimit: config.bodyLimitBytes,
    timeouts: config.httpTimeouts,
    trustProxy: config.trustProxy,
    configure: (app) => {
      setupOpenApi(app, config.publicUrl);
      registerCors(app);
    },
  });
  process.stdout.write(`idstream gateway ready at ${config.publicUrl}\n`);
  return app;
});
