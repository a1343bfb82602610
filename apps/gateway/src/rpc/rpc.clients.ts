import type { OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { CoalescingJsonSocket } from '@idstream/runtime';
import type { GatewayConfig } from '../config/gateway.config';
import { ServiceClient } from './service.client';

// The calls of one event-loop turn leave in one write (CoalescingJsonSocket, same framing).
const proxyTo = (target: { host: string; port: number }) =>
  ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: target.host, port: target.port, socketClass: CoalescingJsonSocket },
  });

/** `auth`: every identity command, server-key checks, workspaces, signing keys. Provided by `create`. */
export class AuthClient extends ServiceClient implements OnApplicationShutdown {
  static create(config: GatewayConfig): AuthClient {
    return new AuthClient('auth', proxyTo(config.auth), config.requestTimeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/** `profile-projector`: the backend's profile queries. Provided by `create`. */
export class ProjectorClient extends ServiceClient implements OnApplicationShutdown {
  static create(config: GatewayConfig): ProjectorClient {
    return new ProjectorClient('profile-projector', proxyTo(config.projector), config.requestTimeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
