import type { ProfileEvent } from './profile.events';

/**
 * Maps a stored profile event to its public `identity.events` data, or null when the event
 * stays inside auth. This is the one place secrets are stripped: every field that is not
 * public is dropped by name here, and the contracts test checks the public schema.
 */
export function toPublicData(event: ProfileEvent): unknown {
  switch (event.type) {
    case 'UserRegistered': {
      const { passwordHash: _hash, ...data } = event.data;
      return data;
    }
    case 'PasswordChanged':
    case 'PasswordResetCompleted':
      return { profileId: event.data.profileId };
    case 'PasswordRehashed':
      return null;
    case 'ExternalIdentityLinked': {
      const { subject: _subject, ...data } = event.data;
      return data;
    }
    case 'EmailChangeRequested':
      return { profileId: event.data.profileId, expiresAt: event.data.expiresAt };
    case 'EmailChanged':
    case 'ProfileImported':
    case 'EmailConfirmationRequested':
    case 'EmailConfirmed':
    case 'SessionOpened':
    case 'SessionClosed':
    case 'SignInFailed':
    case 'AccountUpdated':
    case 'PasswordResetRequested':
    case 'ClientRecognized':
    case 'ProfileErased':
      return event.data;
    default: {
      const never: never = event;
      return never;
    }
  }
}
