import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { PublicJwk } from '@idstream/crypto';
import { ProblemError } from '../http/problem';
import { Public } from '../security/access.decorators';
import { VerificationKeys } from '../security/verification-keys.service';

/** The public keys that verify access tokens: the current key and the previous ones still in use. */
@Controller('.well-known')
export class KeysController {
  constructor(@Inject(VerificationKeys) private readonly keys: VerificationKeys) {}

  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=60')
  jwks(): { keys: PublicJwk[] } {
    if (!this.keys.loaded) throw new ProblemError('SERVICE_UNAVAILABLE', 'Signing keys are loading; retry shortly', { retryAfter: 1 });
    return this.keys.set.jwks();
  }
}
