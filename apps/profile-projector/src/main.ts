import { launch, startApp } from '@idstream/runtime';
import { loadProjectorConfig } from './config/projector.config';
import { ProjectorModule } from './projector.module';

launch('profile-projector', () => {
  const config = loadProjectorConfig();
  return startApp(ProjectorModule, {
    app: 'profile-projector',
    host: config.bindHost,
    port: config.httpPort,
    logLevel: config.logLevel,
    tcp: { host: config.bindHost, port: config.tcpPort },
  });
});
