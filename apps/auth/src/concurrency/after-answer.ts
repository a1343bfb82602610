import { Logger } from '@nestjs/common';

/**
 * Work that runs after the command has answered, where the answer must not wait for it (its
 * duration would tell whether an email has an account). A failure is logged with the request
 * id; nothing is retried.
 */
export class AfterAnswer {
  private readonly logger: Logger;

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  runLater(what: string, requestId: string, work: () => Promise<void>): void {
    setImmediate(() => {
      work().catch((error: unknown) => this.logger.error({ msg: `${what} failed`, requestId, err: (error as Error).message }));
    });
  }
}
