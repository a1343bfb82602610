import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  canonicalEmail,
  describeEmailRefusal,
  fail,
  ok,
  uuidv7,
  type EraseProfileCommand,
  type EraseProfileResult,
  type ImportProfileCommand,
  type ImportProfileResult,
  type RecognizeClientCommand,
  type RecognizeClientResult,
  type Reply,
  type ClosedSessionsResult,
} from '@idstream/contracts';
import { appendToClientStream } from '../clients/client-stream';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { ConcurrencyConflict } from '../event-store/event-store';
import { shredPersonalData } from '../event-store/shredding';
import { claimCustomId, releaseCustomIds } from '../profile/custom-ids';
import { eraseProfile, importProfile, recognizeClient } from '../profile/profile.decider';
import { ProfileErrors } from '../profile/profile.errors';
import { closedSessionsOf, ProfileStore, Refused } from '../profile/profile.store';
import { sessionClock } from '../sessions/session.handler';

async function profileIdByCustomId(manager: EntityManager, workspaceId: string, customId: string): Promise<string | null> {
  const rows: { profile_id: string }[] = await manager.query(
    'SELECT profile_id FROM auth.custom_ids WHERE workspace_id = $1 AND custom_id = $2',
    [workspaceId, customId],
  );
  return rows[0]?.profile_id ?? null;
}

/** The backend's identity commands (server key): import, recognize, erase. */
@Injectable()
export class BackendHandler {
  constructor(
    private readonly profiles: ProfileStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Upsert by email, else by customId: ProfileImported, no account. */
  async importProfile(cmd: ImportProfileCommand, now = new Date()): Promise<Reply<ImportProfileResult>> {
    const { workspaceId } = cmd;
    const customId = cmd.profile.customId;
    if (!cmd.email && !customId)
      return fail('VALIDATION_FAILED', 'email or customId is required', {
        errors: [{ field: 'email', message: 'email or customId is required' }],
      });
    const email = cmd.email === undefined ? null : canonicalEmail(cmd.email);
    if (email && !email.ok) return { ok: false, error: ProfileErrors.invalidEmail(describeEmailRefusal(email.reason)) };
    const emailKey = email?.canonical ?? null;
    const outcome = await this.profiles.transaction(async (manager) => {
      let profileId = cmd.email ? await this.profiles.profileIdByEmail(workspaceId, cmd.email, manager) : null;
      profileId ??= customId ? await profileIdByCustomId(manager, workspaceId, customId) : null;
      if (!profileId) {
        profileId = uuidv7(now.getTime());
        if (emailKey) {
          const claimed: unknown[] = await manager.query(
            'INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
            [workspaceId, emailKey, profileId],
          );
          if (claimed.length === 0) throw new ConcurrencyConflict(emailKey);
        }
      }
      const id = profileId;
      const result = await this.profiles.executeIn(
        manager,
        { workspaceId, correlationId: cmd.meta.requestId, now },
        id,
        (state) => importProfile(state, { email: cmd.email ?? null, profile: cmd.profile, attributes: cmd.attributes }),
        async (m, state) => {
          if (customId !== undefined) await claimCustomId(m, workspaceId, customId, id);
          // An existing profile found by customId gets its email indexed when it had none.
          if (emailKey && state.email === cmd.email) {
            await m.query('INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
              workspaceId,
              emailKey,
              id,
            ]);
          }
        },
      );
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const imported = outcome.events.find((e) => e.type === 'ProfileImported');
    return ok({
      profileId: outcome.state.profileId,
      created: imported?.type === 'ProfileImported' ? imported.data.created : false,
      position: outcome.position!,
    });
  }

  /**
   * Links a device to a known customer. When the device was linked to ANOTHER customer, the
   * link moves (the trusted backend's latest word wins: devices are shared and re-used) and
   * ClientRecognized names the previous profile; the two customers are never merged and the
   * previous one keeps its history (unlike anonymous profiles, which fold into the customer).
   */
  async recognize(cmd: RecognizeClientCommand, now = new Date()): Promise<Reply<RecognizeClientResult>> {
    const { workspaceId } = cmd;
    const uuid = cmd.uuid.toLowerCase();
    const context = { workspaceId, correlationId: cmd.meta.requestId, now };
    const outcome = await this.profiles.transaction(async (manager) => {
      let profileId: string | null = null;
      let matchedBy: 'email' | 'customId' | 'profileId' = 'profileId';
      if (cmd.profileId) profileId = cmd.profileId;
      else if (cmd.email) [profileId, matchedBy] = [await this.profiles.profileIdByEmail(workspaceId, cmd.email, manager), 'email'];
      else if (cmd.customId) [profileId, matchedBy] = [await profileIdByCustomId(manager, workspaceId, cmd.customId), 'customId'];
      if (!profileId) throw new Refused({ code: 'PROFILE_NOT_FOUND', message: 'No profile matches' });
      const created: unknown[] = await manager.query(
        'INSERT INTO auth.clients (workspace_id, uuid) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
        [workspaceId, uuid],
      );
      if (created.length > 0) await appendToClientStream(manager, uuid, { type: 'AnonymousClientCreated', data: { uuid } }, context);
      const linked: { profile_id: string | null }[] = await manager.query(
        'SELECT profile_id FROM auth.clients WHERE workspace_id = $1 AND uuid = $2 FOR UPDATE',
        [workspaceId, uuid],
      );
      const previousProfileId = linked[0]?.profile_id ?? null;
      const id = profileId;
      const result = await this.profiles.executeIn(
        manager,
        context,
        id,
        (state) => recognizeClient(state, { uuid, matchedBy, previousProfileId }),
        async (m) => {
          await m.query('UPDATE auth.clients SET profile_id = $3 WHERE workspace_id = $1 AND uuid = $2', [workspaceId, uuid, id]);
        },
      );
      if (result.error) throw new Refused(result.error);
      return result;
    });
    if (outcome instanceof Refused) return { ok: false, error: outcome.error };
    const version =
      outcome.position ?? `${outcome.state.profileId}:${(await this.profiles.read(workspaceId, outcome.state.profileId)).version}`;
    return ok({ profileId: outcome.state.profileId, uuid, position: version });
  }

  /**
   * Erasure: closes every session, disables sign-in, frees the email and customId, and
   * destroys the profile's data key (shredPersonalData), so that no copy of its personal data
   * opens any more. Kept: the profile id, the event types and times, and the erasure time
   * (docs/architecture.md, "Erasure").
   */
  async erase(cmd: EraseProfileCommand, now = new Date()): Promise<Reply<EraseProfileResult & ClosedSessionsResult>> {
    const { workspaceId, profileId } = cmd;
    const email = (await this.profiles.read(workspaceId, profileId)).state.email;
    const outcome = await this.profiles.execute(
      { workspaceId, correlationId: cmd.meta.requestId, now },
      profileId,
      (state) => eraseProfile(state, sessionClock(now, this.config)),
      async (manager) => {
        await manager.query('DELETE FROM auth.emails WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
        await releaseCustomIds(manager, workspaceId, profileId, null);
        await manager.query('UPDATE auth.clients SET profile_id = NULL WHERE workspace_id = $1 AND profile_id = $2', [
          workspaceId,
          profileId,
        ]);
        await manager.query('DELETE FROM auth.one_time_tokens WHERE workspace_id = $1 AND profile_id = $2', [workspaceId, profileId]);
        // Queued and sent mails hold the address: unsent ones are not sent, none is kept.
        if (email)
          await manager.query('DELETE FROM auth.mail_outbox WHERE workspace_id = $1 AND lower(recipient) = lower($2)', [
            workspaceId,
            email,
          ]);
        await shredPersonalData(manager, workspaceId, profileId, now);
      },
    );
    if (outcome.error) return { ok: false, error: outcome.error };
    const position = outcome.position ?? `${profileId}:${(await this.profiles.read(workspaceId, profileId)).version}`;
    return ok({ position, closedSessions: closedSessionsOf(outcome.events) });
  }
}
