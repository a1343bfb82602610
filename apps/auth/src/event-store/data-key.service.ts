import { Inject, Injectable, Logger } from '@nestjs/common';
import { DATA_KEYS_MAX_PROFILES, fail, ok, type DataKeysQuery, type DataKeysResult, type Reply } from '@idstream/contracts';
import { constantTimeEqual } from '@idstream/crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { ProfileDataKeys } from './data-keys';

/**
 * The key service (docs/architecture.md "Erasure"): hands the data keys of a batch's
 * profiles to a consumer that shows IDSTREAM_KEY_SERVICE_SECRET (the projector), so it can
 * open sealed fields itself. An erased profile's key is null: its fields stay withheld.
 * Consumers hold keys for one batch only, never cache them.
 */
@Injectable()
export class DataKeyService {
  private readonly logger = new Logger('DataKeyService');

  constructor(
    private readonly keys: ProfileDataKeys,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async handle(query: DataKeysQuery): Promise<Reply<DataKeysResult>> {
    if (!constantTimeEqual(query?.credential, this.config.keyServiceSecret)) {
      this.logger.warn({ msg: 'data keys refused: wrong credential' });
      return fail('UNAUTHORIZED', 'The key service needs its credential');
    }
    const ids = query.profileIds;
    if (!Array.isArray(ids) || ids.length > DATA_KEYS_MAX_PROFILES || !ids.every((id) => typeof id === 'string' && id.length <= 200))
      return fail('VALIDATION_FAILED', `profileIds must be at most ${DATA_KEYS_MAX_PROFILES} ids`);
    const found = await this.keys.existing(this.keys.manager, [...new Set(ids)]);
    return ok({ keys: Object.fromEntries([...found].map(([id, key]) => [id, key ? key.toString('base64url') : null])) });
  }
}
