import { Injectable } from '@nestjs/common';
import {
  canonicalEmail,
  describeEmailRefusal,
  fail,
  ok,
  uuidv7,
  type ImportProfileCommand,
  type ImportProfileResult,
  type Reply,
} from '@idstream/contracts';
import { ConcurrencyConflict } from '../../event-store/event-store';
import { CustomIdIndex } from '../../indexes/custom-id-index';
import { EmailIndex } from '../../indexes/email-index';
import { ProfileCommands } from '../profile.commands.runner';
import { ProfileErrors } from '../profile.errors';
import { Refused } from '../refused';

/** Backend import (server key): upsert by email, else by customId: ProfileImported, no account. */
@Injectable()
export class ImportProfileHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(cmd: ImportProfileCommand, now = new Date()): Promise<Reply<ImportProfileResult>> {
    const { workspaceId, email } = cmd;
    const customId = cmd.profile.customId;
    if (!email && !customId)
      return fail('VALIDATION_FAILED', 'email or customId is required', {
        errors: [{ field: 'email', message: 'email or customId is required' }],
      });
    const canonical = email === undefined ? null : canonicalEmail(email);
    if (canonical && !canonical.ok) return { ok: false, error: ProfileErrors.invalidEmail(describeEmailRefusal(canonical.reason)) };
    const outcome = await this.profiles.transaction(async (manager) => {
      let profileId = email ? await EmailIndex.profileIdOf(manager, workspaceId, email) : null;
      profileId ??= customId ? await CustomIdIndex.profileIdOf(manager, workspaceId, customId) : null;
      if (!profileId) {
        profileId = uuidv7(now.getTime());
        if (email && !(await EmailIndex.claim(manager, workspaceId, email, profileId))) throw new ConcurrencyConflict(email);
      }
      const context = { workspaceId, correlationId: cmd.meta.requestId, now };
      const command = { type: 'ImportProfile', email: email ?? null, profile: cmd.profile, attributes: cmd.attributes } as const;
      const result = await this.profiles.executeIn(manager, context, profileId, command);
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const imported = outcome.events.find((e) => e.type === 'ProfileImported');
    return ok({
      profileId: outcome.state.profileId,
      created: imported?.type === 'ProfileImported' && imported.data.created,
      position: outcome.position,
    });
  }
}
