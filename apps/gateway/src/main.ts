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
    // Every hop gets the request's trace from the request itself (requestMeta, the tracking
    // record, the log lines that name a request), so no async context is needed.
    explicitTraceContext: true,
    configure: (app) => {
      setupOpenApi(app, config.publicUrl);
      registerCors(app);
    },
  });
  process.stdout.write(`idstream gateway ready at ${config.publicUrl}\n`);
  return app;
});
