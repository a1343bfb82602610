import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import {
  AuthPatterns,
  DATA_KEYS_MAX_PROFILES,
  type DataKeysQuery,
  type DataKeysResult,
  type IdentityEvent,
  type Reply,
  type WireIdentityEvent,
} from '@idstream/contracts';
import { openIdentityEvent, sealedProfileOf } from '@idstream/crypto';

export interface KeyServiceSettings {
  host: string;
  port: number;
  secret: string | undefined;
  timeoutMs: number;
}

/**
 * Opens the sealed personal fields of a batch of identity events (docs/architecture.md
 * "Erasure"): one call to auth's key service for the batch's profiles, the keys used for
 * this batch and dropped. An erased profile's key is null: its fields come out withheld,
 * which the projection folds like any absent field (and ProfileErased makes a tombstone).
 * A key service that cannot answer fails the batch, which the consumer retries: a profile is
 * never projected without data it should have.
 */
export class SealedEventsOpener {
  private readonly client: ClientProxy;

  constructor(private readonly settings: KeyServiceSettings) {
    this.client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: settings.host, port: settings.port } });
  }

  async open(events: WireIdentityEvent[]): Promise<IdentityEvent[]> {
    const profiles = [...new Set(events.map(sealedProfileOf).filter((id): id is string => id !== null))];
    const keys = new Map<string, Buffer | null>();
    for (let i = 0; i < profiles.length; i += DATA_KEYS_MAX_PROFILES) {
      for (const [id, key] of Object.entries(await this.fetch(profiles.slice(i, i + DATA_KEYS_MAX_PROFILES))))
        keys.set(id, key === null ? null : Buffer.from(key, 'base64url'));
    }
    return events.map((event) => openIdentityEvent(event, keys.get(event.aggregateId) ?? null));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async fetch(profileIds: string[]): Promise<DataKeysResult['keys']> {
    if (!this.settings.secret) throw new Error('sealed identity events need IDSTREAM_KEY_SERVICE_SECRET (auth key service credential)');
    const query: DataKeysQuery = { credential: this.settings.secret, profileIds };
    const reply = await firstValueFrom(
      this.client.send<Reply<DataKeysResult>>(AuthPatterns.dataKeys, query).pipe(timeout({ first: this.settings.timeoutMs })),
    );
    if (!reply?.ok) throw new Error(`key service refused: ${reply?.error?.code ?? 'no reply'}`);
    return reply.value.keys;
  }
}
