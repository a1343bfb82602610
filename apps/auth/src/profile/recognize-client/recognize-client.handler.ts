import { Injectable } from '@nestjs/common';
import { ok, type RecognizeClientCommand, type RecognizeClientResult, type Reply } from '@idstream/contracts';
import { appendToClientStream } from '../../clients/client-stream';
import { ClientLinks } from '../../indexes/client-links';
import { CustomIdIndex } from '../../indexes/custom-id-index';
import { EmailIndex } from '../../indexes/email-index';
import { ProfileCommands } from '../profile.commands.runner';
import { Refused } from '../refused';

type MatchedBy = 'email' | 'customId' | 'profileId';

/**
 * Backend (server key): links a device to a known customer. When the device was linked to
 * ANOTHER customer, the link moves (the trusted backend's latest word wins: devices are shared
 * and re-used) and ClientRecognized names the previous profile; the two customers are never
 * merged and the previous one keeps its history. The link itself follows ClientRecognized.
 */
@Injectable()
export class RecognizeClientHandler {
  constructor(private readonly profiles: ProfileCommands) {}

  async handle(cmd: RecognizeClientCommand, now = new Date()): Promise<Reply<RecognizeClientResult>> {
    const { workspaceId } = cmd;
    const uuid = cmd.uuid.toLowerCase();
    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const outcome = await this.profiles.transaction(async (manager) => {
      let profileId: string | null = null;
      let matchedBy: MatchedBy = 'profileId';
      if (cmd.profileId) profileId = cmd.profileId;
      else if (cmd.email) [profileId, matchedBy] = [await EmailIndex.profileIdOf(manager, workspaceId, cmd.email), 'email'];
      else if (cmd.customId) [profileId, matchedBy] = [await CustomIdIndex.profileIdOf(manager, workspaceId, cmd.customId), 'customId'];
      if (!profileId) throw new Refused({ code: 'PROFILE_NOT_FOUND', message: 'No profile matches' });
      if (await ClientLinks.add(manager, workspaceId, uuid))
        await appendToClientStream(manager, uuid, { type: 'AnonymousClientCreated', data: { uuid } }, context);
      const previousProfileId = await ClientLinks.linkedProfileForUpdate(manager, workspaceId, uuid);
      const result = await this.profiles.executeIn(manager, context, profileId, {
        type: 'RecognizeClient',
        uuid,
        matchedBy,
        previousProfileId,
      });
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    return ok({ profileId: outcome.state.profileId, uuid, position: outcome.position });
  }
}
