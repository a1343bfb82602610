import type { EntityManager } from 'typeorm';
import type { CoWrite } from '../event-store/event-store';
import type { AuthConfig } from '../config/auth.config';
import { ClientLinks } from '../indexes/client-links';
import { CustomIdIndex } from '../indexes/custom-id-index';
import { EmailIndex } from '../indexes/email-index';
import { ExternalIdentityIndex } from '../indexes/external-identity-index';
import { enqueueMail, fillLink, forgetMailsTo, MailTemplates } from '../mail/mail.outbox';
import { ActivationPins } from '../activation-pins/activation-pins';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { shredPersonalData } from '../event-store/shredding';
import type { ProfileEvent } from './profile.events';
import { ProfileErrors } from './profile.errors';
import type { ProfileState } from './profile.state';
import { Refused } from './refused';

export interface ReactionContext {
  manager: EntityManager;
  workspaceId: string;
  now: Date;
  /** The state before the command's events and after all of them. */
  before: ProfileState;
  after: ProfileState;
}

type Reaction<E extends ProfileEvent> = (event: E, context: ReactionContext) => Promise<void>;
export type ProfileReactions = { [T in ProfileEvent['type']]?: Reaction<Extract<ProfileEvent, { type: T }>> };

async function claimCustomId(ctx: ReactionContext, customId: string | undefined, profileId: string): Promise<void> {
  if (customId === undefined) return;
  if (!(await CustomIdIndex.claim(ctx.manager, ctx.workspaceId, customId, profileId))) throw new Refused(ProfileErrors.customIdTaken());
}

const emailOf = (state: ProfileState): string | null => (state.kind === 'none' || state.kind === 'erased' ? null : state.email);

/**
 * What follows a recorded event, in the transaction that records it: the side tables, the
 * one-time token and its mail, the device link, the erasure of personal data. Handlers decide
 * and record; they never look through the events for what was decided.
 */
export function profileReactions(config: Pick<AuthConfig, 'mail'>): ProfileReactions {
  return {
    UserRegistered: async (event, ctx) => {
      await claimCustomId(ctx, event.data.profile.customId, event.data.profileId);
      if (event.data.deviceUuid) await ClientLinks.link(ctx.manager, ctx.workspaceId, event.data.deviceUuid, event.data.profileId);
    },
    ProfileImported: async (event, ctx) => {
      await claimCustomId(ctx, event.data.profile.customId, event.data.profileId);
      // A profile found by customId gets its email indexed when it had none.
      const email = emailOf(ctx.after);
      if (email) await EmailIndex.claim(ctx.manager, ctx.workspaceId, email, event.data.profileId);
    },
    // Only an update that names a customId has work here (`hasWork`): each such update frees the
    // profile's other ids, so one that names none leaves the index as the last one left it.
    AccountUpdated: async (event, ctx) => {
      await claimCustomId(ctx, event.data.changes.customId, event.data.profileId);
      const keep = ctx.after.kind === 'none' || ctx.after.kind === 'erased' ? null : ctx.after.customId;
      await CustomIdIndex.releaseOthers(ctx.manager, ctx.workspaceId, event.data.profileId, keep);
    },
    EmailConfirmationRequested: async (event, ctx) => {
      const { profileId, purpose } = event.data;
      const to = emailOf(ctx.after);
      if (!to) return;
      const expiresAt = new Date(event.data.expiresAt);
      if (purpose === 'pin-activation') {
        if (!event.data.deviceUuid) return;
        // A new PIN replaces the old one (and its counted tries).
        const pin = await ActivationPins.issue(ctx.manager, {
          workspaceId: ctx.workspaceId,
          profileId,
          deviceUuid: event.data.deviceUuid,
          expiresAt,
        });
        await enqueueMail(ctx.manager, { workspaceId: ctx.workspaceId, to, ...MailTemplates.activationPin(pin, expiresAt) });
        return;
      }
      await OneTimeTokens.revokeAll(ctx.manager, ctx.workspaceId, profileId, [purpose], ctx.now);
      const token = await OneTimeTokens.issue(ctx.manager, { workspaceId: ctx.workspaceId, profileId, purpose, expiresAt });
      const mail = MailTemplates.confirmation(purpose, fillLink(config.mail.confirmUrl, token), token, expiresAt);
      await enqueueMail(ctx.manager, { workspaceId: ctx.workspaceId, to, ...mail });
    },
    PasswordResetRequested: async (event, ctx) => {
      const { profileId } = event.data;
      const to = emailOf(ctx.after);
      if (!to) return;
      const expiresAt = new Date(event.data.expiresAt);
      await OneTimeTokens.revokeAll(ctx.manager, ctx.workspaceId, profileId, ['password-reset'], ctx.now);
      const token = await OneTimeTokens.issue(ctx.manager, {
        workspaceId: ctx.workspaceId,
        profileId,
        purpose: 'password-reset',
        expiresAt,
      });
      const mail = MailTemplates.passwordReset(fillLink(config.mail.resetUrl, token), token, expiresAt);
      await enqueueMail(ctx.manager, { workspaceId: ctx.workspaceId, to, ...mail });
    },
    ExternalIdentityLinked: async (event, ctx) => {
      const { issuer, subject, profileId } = event.data;
      // Two first sign-ins of one identity raced: the loser's transaction rolls back, nothing is linked twice.
      if (!(await ExternalIdentityIndex.claim(ctx.manager, ctx.workspaceId, issuer, subject, profileId)))
        throw new Refused(ProfileErrors.externalTokenInvalid());
    },
    EmailChangeRequested: async (event, ctx) => {
      const { profileId, newEmail, newEmailTaken } = event.data;
      const current = emailOf(ctx.before);
      if (current) await enqueueMail(ctx.manager, { workspaceId: ctx.workspaceId, to: current, ...MailTemplates.emailChangeNotice() });
      // A taken address gets nothing: its owner did not ask, and a mail would only be noise there.
      if (newEmailTaken) return;
      const expiresAt = new Date(event.data.expiresAt);
      await OneTimeTokens.revokeAll(ctx.manager, ctx.workspaceId, profileId, ['email-change'], ctx.now);
      const token = await OneTimeTokens.issue(ctx.manager, { workspaceId: ctx.workspaceId, profileId, purpose: 'email-change', expiresAt });
      await enqueueMail(ctx.manager, { workspaceId: ctx.workspaceId, to: newEmail, ...MailTemplates.emailChange(token, expiresAt) });
    },
    EmailChanged: async (event, ctx) => {
      const { profileId, email } = event.data;
      // The index moves in the decision's transaction: a profile that took the address meanwhile holds its key.
      await EmailIndex.releaseAll(ctx.manager, ctx.workspaceId, profileId);
      if (!(await EmailIndex.claim(ctx.manager, ctx.workspaceId, email, profileId))) throw new Refused(ProfileErrors.emailTaken());
      await OneTimeTokens.revokeAll(ctx.manager, ctx.workspaceId, profileId, ['email-change'], ctx.now);
    },
    ProfileErased: async (event, ctx) => {
      const { manager, workspaceId } = ctx;
      const { profileId } = event.data;
      await EmailIndex.releaseAll(manager, workspaceId, profileId);
      await ExternalIdentityIndex.releaseAll(manager, workspaceId, profileId);
      await CustomIdIndex.releaseOthers(manager, workspaceId, profileId, null);
      await ClientLinks.unlinkAll(manager, workspaceId, profileId);
      await OneTimeTokens.deleteAll(manager, workspaceId, profileId);
      await ActivationPins.deleteAll(manager, workspaceId, profileId);
      const email = emailOf(ctx.before);
      if (email) await forgetMailsTo(manager, workspaceId, email);
      if (ctx.before.kind === 'active' && ctx.before.emailChange)
        await forgetMailsTo(manager, workspaceId, ctx.before.emailChange.newEmail);
      await shredPersonalData(manager, workspaceId, profileId, ctx.now);
    },
  };
}

/**
 * What follows an event that is a single write answering nothing (linking the device of a
 * session or a recognition): it goes into the append's own statement, so it needs no
 * transaction of its own and no round trip.
 */
export function coWritesOf(events: ProfileEvent[], workspaceId: string): CoWrite[] {
  return events.flatMap((event) => {
    if (event.type === 'SessionOpened' && event.data.deviceUuid)
      return [ClientLinks.linkWrite(workspaceId, event.data.deviceUuid, event.data.profileId)];
    if (event.type === 'ClientRecognized') return [ClientLinks.linkWrite(workspaceId, event.data.uuid, event.data.profileId)];
    return [];
  });
}

/** Whether `event`'s reaction has anything to do (an account update that names no customId has not). */
function hasWork(reactions: ProfileReactions, event: ProfileEvent): boolean {
  if (!reactions[event.type]) return false;
  return event.type !== 'AccountUpdated' || event.data.changes.customId !== undefined;
}

/** Whether any of `events` is followed by a reaction (which needs the events' transaction). */
export function reacts(reactions: ProfileReactions, events: ProfileEvent[]): boolean {
  return events.some((event) => hasWork(reactions, event));
}

/** Runs the reaction of each recorded event, in order. */
export async function react(reactions: ProfileReactions, events: ProfileEvent[], context: ReactionContext): Promise<void> {
  for (const event of events) {
    const reaction = reactions[event.type] as Reaction<ProfileEvent> | undefined;
    if (reaction && hasWork(reactions, event)) await reaction(event, context);
  }
}
