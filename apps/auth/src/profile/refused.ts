import type { ReplyError } from '@idstream/contracts';

/** Thrown inside a transaction to roll it back and answer `error` (an expected refusal, not a fault). */
export class Refused extends Error {
  constructor(readonly error: ReplyError) {
    super(error.code);
  }
}
