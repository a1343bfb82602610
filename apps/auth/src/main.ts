import './config/threadpool';
import { launch, startApp } from '@idstream/runtime';
import { AuthModule } from './auth.module';
import { loadAuthConfig } from './config/auth.config';

launch('auth', () => {
  const config = loadAuthConfig();
  return startApp(AuthModule, {
    app: 'auth',
    host: config.bindHost,
    port: config.httpPort,
    logLevel: config.logLevel,
    tcp: { host: config.bindHost, port: config.tcpPort },
  });
});
