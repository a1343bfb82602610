import type { LoggerService } from '@nestjs/common';

/**
 * Keeps what is logged through Nest's static logger (`Logger.overrideLogger(new CapturingLogger())`),
 * for a test to check what a migration or service reported, and that it named no personal value.
 */
export class CapturingLogger implements LoggerService {
  readonly lines: unknown[] = [];
  log(message: unknown): void {
    this.lines.push(message);
  }
  warn(message: unknown): void {
    this.lines.push(message);
  }
  error(message: unknown): void {
    this.lines.push(message);
  }
}
