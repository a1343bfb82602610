import { IdstreamError, invalidArgument } from '../errors';
import type { HttpRequest, HttpTransport } from '../http';
import type { Session } from '../session/session';
import type { ClientStateListener } from '../session/session-end';
import { optionalBoolean, requireEmail, requireObject, requirePin, requireString, requireTime } from './arguments';
import type {
  AccountFields,
  ClientAccountInformation,
  ClientAuthFactorProvider,
  ClientAuthenticationContext,
  ClientAuthenticationResult,
  ClientConditionalAuthenticationContext,
  ClientConditionalAuthResult,
  ClientIdentityProvider,
  EventsPage,
  EventsQuery,
  RegisterAccountContext,
  RegisterAccountResult,
  SignOutOptions,
  Token,
} from './client.types';
import { externalSignInBody, ownerProof, requireIdToken, requireProvider, sessionOf, type ExternalSignInAnswer } from './external-identity';

type Auth = 'anonymous' | 'customer' | 'customer-or-none';

/**
 * Synerise's Client methods over idstream's client API (API.md). Every method checks its
 * arguments before any request and rejects with an IdstreamError; a customer call refused
 * because the session is over signs the customer out (with the reason) before it rejects.
 */
export class ClientApi {
  constructor(
    private readonly http: HttpTransport,
    private readonly session: Session,
    /** Sends what the tracker holds for the signed-in session, before the session ends. */
    private readonly flushBeforeSignOut: () => Promise<unknown>,
  ) {}

  // ---- registration and activation ----

  async registerAccount(context: RegisterAccountContext): Promise<RegisterAccountResult> {
    const body = requireObject('context', context);
    requireEmail('context.email', body.email);
    requireString('context.password', body.password);
    await this.refuseWhenSignedIn('registerAccount');
    return this.call<RegisterAccountResult>('anonymous', { method: 'POST', path: '/v1/accounts', body });
  }

  async confirmAccountActivation(token: string): Promise<void> {
    requireString('token', token, 512);
    await this.call('anonymous', { method: 'POST', path: '/v1/accounts/confirm', body: { token } });
  }

  async requestAccountActivation(email: string): Promise<void> {
    requireEmail('email', email);
    await this.call('anonymous', { method: 'POST', path: '/v1/accounts/confirm/resend', body: { email } });
  }

  async confirmAccountActivationByPin(pinCode: string, email: string): Promise<void> {
    requirePin('pinCode', pinCode);
    requireEmail('email', email);
    await this.call('anonymous', { method: 'POST', path: '/v1/accounts/activate-pin', body: { email, pin: pinCode } });
  }

  async requestAccountActivationByPin(email: string): Promise<void> {
    requireEmail('email', email);
    await this.call('anonymous', { method: 'POST', path: '/v1/accounts/activate-pin/resend', body: { email } });
  }

  // ---- sign-in and session ----

  async signIn(email: string, password: string): Promise<void> {
    requireEmail('email', email);
    requireString('password', password);
    await this.refuseWhenSignedIn('signIn');
    const answer = await this.call<{ token: string; expiresAt: string; profileId: string }>('anonymous', {
      method: 'POST',
      path: '/v1/auth/sign-in',
      body: { email, password },
    });
    await this.session.signedIn(answer);
  }

  async signInConditionally(email: string, password: string): Promise<ClientConditionalAuthResult> {
    requireEmail('email', email);
    requireString('password', password);
    await this.refuseWhenSignedIn('signInConditionally');
    const answer = await this.call<ClientConditionalAuthResult & { token?: string; expiresAt?: string; profileId?: string }>('anonymous', {
      method: 'POST',
      path: '/v1/auth/sign-in/conditional',
      body: { email, password },
    });
    if (answer.status === 'SUCCESS' && answer.token && answer.expiresAt && answer.profileId) {
      await this.session.signedIn({ token: answer.token, expiresAt: answer.expiresAt, profileId: answer.profileId });
    }
    return { status: answer.status, conditions: Array.isArray(answer.conditions) ? answer.conditions : [] };
  }

  /**
   * Signs in with an ID token of one of the workspace's identity providers (Synerise's
   * authenticate): to the account holding that identity, else to the confirmed account with the
   * same provider-verified email (linked), else to a new account with the context's agreements
   * and attributes (`created: true`). The session is a password sign-in's: stored, refreshed,
   * revoked and signed out the same way. Refused while signed in.
   */
  async authenticate(
    idToken: string,
    provider: ClientIdentityProvider,
    context: ClientAuthenticationContext = {},
  ): Promise<ClientAuthenticationResult> {
    const body = externalSignInBody(idToken, provider, context, false);
    await this.refuseWhenSignedIn('authenticate');
    const answer = await this.call<ExternalSignInAnswer>('anonymous', { method: 'POST', path: '/v1/auth/external', body });
    const opened = sessionOf(answer);
    if (!opened) throw new IdstreamError('http', 'POST /v1/auth/external: the answer carries no session', { code: 'INVALID_ANSWER' });
    await this.session.signedIn(opened);
    return { profileId: opened.profileId, created: answer.created === true };
  }

  /**
   * authenticate that never creates an account (Synerise's authenticateConditionally): SUCCESS
   * signs in; REGISTRATION_REQUIRED (no account holds the identity) and TERMS_ACCEPTANCE_REQUIRED
   * (`conditions`: the required agreements still to accept) leave the device anonymous, so the
   * app can show its consent screen and then call again with the agreements.
   */
  async authenticateConditionally(
    idToken: string,
    provider: ClientIdentityProvider,
    context: ClientConditionalAuthenticationContext = {},
  ): Promise<ClientConditionalAuthResult> {
    const body = externalSignInBody(idToken, provider, context, true);
    await this.refuseWhenSignedIn('authenticateConditionally');
    const answer = await this.call<ExternalSignInAnswer>('anonymous', { method: 'POST', path: '/v1/auth/external', body });
    const opened = answer.status === 'SUCCESS' ? sessionOf(answer) : null;
    if (opened) await this.session.signedIn(opened);
    return { status: answer.status ?? 'UNAUTHORIZED', conditions: Array.isArray(answer.conditions) ? answer.conditions : [] };
  }

  /**
   * Sends the session's queued events, tells the server, and signs out locally whatever the
   * server answered (a network error is still rejected, so the app knows the server may not
   * have closed the session yet).
   */
  async signOut(options: SignOutOptions = {}): Promise<void> {
    const { mode = 'signOut' } = requireObject('options', options) as SignOutOptions;
    if (mode !== 'signOut' && mode !== 'signOutWithSessionDestroy')
      throw invalidArgument('options.mode', 'must be signOut or signOutWithSessionDestroy');
    const fromAllDevices = optionalBoolean('options.fromAllDevices', options.fromAllDevices) ?? false;
    const customer = await this.session.customerToken({ refresh: true });
    let failure: Error | null = null;
    if (customer) {
      await this.flushBeforeSignOut().catch(() => undefined);
      try {
        const request: HttpRequest = { method: 'POST', path: '/v1/auth/sign-out', token: customer.token };
        if (fromAllDevices) request.body = { fromAllDevices: true };
        await this.http.send(request);
      } catch (error) {
        if (!(error instanceof IdstreamError && error.kind === 'unauthorized-session')) failure = error as Error;
      }
      await this.session.end(customer.sessionId, 'USER_SIGN_OUT');
    }
    if (mode === 'signOutWithSessionDestroy') await this.session.destroy();
    if (failure) throw failure;
    if (!customer && mode === 'signOut') throw new IdstreamError('unauthorized-session', 'Nobody is signed in', { code: 'NOT_SIGNED_IN' });
  }

  isSignedIn(): Promise<boolean> {
    return this.session.isSignedIn();
  }

  onStateChange(listener: ClientStateListener): () => void {
    requireObject('listener', listener);
    return this.session.onStateChange(listener);
  }

  /** The current token: the customer's when signed in, else the device's anonymous one. */
  async retrieveToken(): Promise<Token> {
    const customer = await this.session.customerToken({ refresh: true });
    const uuid = await this.session.uuid();
    if (customer)
      return {
        tokenString: customer.token,
        expirationDate: new Date(customer.expiresAt),
        origin: 'IDSTREAM',
        profileId: customer.profileId,
        uuid,
      };
    const anonymous = await this.session.anonymousToken(uuid);
    return { tokenString: anonymous.token, expirationDate: new Date(anonymous.expiresAt), origin: 'ANONYMOUS', profileId: null, uuid };
  }

  /** Refreshes the current token now; fails when it has already expired (nothing is left to refresh). */
  async refreshToken(): Promise<void> {
    await this.session.refreshNow();
  }

  /** Forgets the whole session, anonymous included; a new uuid follows (local, as Synerise's). */
  async destroySession(): Promise<void> {
    await this.session.destroy();
  }

  getUUID(): Promise<string> {
    return this.session.uuid();
  }

  regenerateUUID(): Promise<string> {
    return this.session.regenerateUuid();
  }

  // ---- the signed-in customer's account ----

  getAccount(): Promise<ClientAccountInformation> {
    return this.call<ClientAccountInformation>('customer', { method: 'GET', path: '/v1/account' });
  }

  async updateAccount(context: AccountFields): Promise<ClientAccountInformation> {
    const body = requireObject('context', context);
    for (const field of ['email', 'password'] as const) {
      if (field in body)
        throw invalidArgument(
          `context.${field}`,
          field === 'email' ? 'changes through requestEmailChange' : 'changes through changePassword',
        );
    }
    return this.call<ClientAccountInformation>('customer', { method: 'PATCH', path: '/v1/account', body });
  }

  /** Synerise's argument order: the new password first. */
  async changePassword(newPassword: string, currentPassword: string): Promise<void> {
    requireString('newPassword', newPassword);
    requireString('currentPassword', currentPassword);
    await this.call('customer', { method: 'POST', path: '/v1/account/password', body: { currentPassword, newPassword } });
  }

  async requestPasswordReset(email: string): Promise<void> {
    requireEmail('email', email);
    await this.call('anonymous', { method: 'POST', path: '/v1/auth/password-reset', body: { email } });
  }

  async confirmPasswordReset(token: string, password: string): Promise<void> {
    requireString('token', token, 512);
    requireString('password', password);
    await this.call('anonymous', { method: 'POST', path: '/v1/auth/password-reset/confirm', body: { token, password } });
  }

  /**
   * Synerise's arguments: the password of a password account, or (`password` null) a fresh ID
   * token of the provider linked to the profile; exactly one of the two.
   */
  async requestEmailChange(newEmail: string, password: string | null, externalToken?: string | null): Promise<void> {
    requireEmail('newEmail', newEmail);
    const proof = ownerProof({ password: 'password', externalToken: 'externalToken' }, password, externalToken);
    await this.call('customer', { method: 'POST', path: '/v1/account/email-change', body: { newEmail, ...proof } });
  }

  async confirmEmailChange(token: string, newsletterAgreement?: boolean): Promise<void> {
    requireString('token', token, 512);
    optionalBoolean('newsletterAgreement', newsletterAgreement);
    const body = newsletterAgreement === undefined ? { token } : { token, newsletterAgreement };
    await this.call('customer-or-none', { method: 'POST', path: '/v1/account/email-change/confirm', body });
  }

  /**
   * Erases the account; the session ends with USER_ACCOUNT_DELETED and the device goes on
   * anonymously. Synerise's arguments: the password (`IDSTREAM`, the default), or a fresh ID
   * token of the provider linked to the profile (its name).
   */
  async deleteAccount(clientAuthFactor: string, identityProvider: ClientAuthFactorProvider = 'IDSTREAM'): Promise<void> {
    let proof: { password: string } | { externalToken: string };
    if (identityProvider === 'IDSTREAM') proof = { password: requireString('clientAuthFactor', clientAuthFactor) };
    else {
      requireProvider('identityProvider', identityProvider);
      proof = { externalToken: requireIdToken('clientAuthFactor', clientAuthFactor) };
    }
    const customer = await this.session.customerToken({ refresh: true });
    await this.call('customer', { method: 'DELETE', path: '/v1/account', body: proof });
    if (customer) await this.session.end(customer.sessionId, 'USER_ACCOUNT_DELETED');
  }

  async getEvents(query: EventsQuery): Promise<EventsPage> {
    requireObject('query', query);
    const search: Record<string, string | undefined> = { from: requireTime('query.from', query.from) };
    if (query.to !== undefined) search.to = requireTime('query.to', query.to);
    if (query.types !== undefined) {
      if (!Array.isArray(query.types) || query.types.some((t) => typeof t !== 'string' || t.length === 0 || t.includes(','))) {
        throw invalidArgument('query.types', 'must be an array of event types (no commas)');
      }
      if (query.types.length > 0) search.types = query.types.join(',');
    }
    if (query.limit !== undefined) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 500)
        throw invalidArgument('query.limit', 'must be a whole number from 1 to 500');
      search.limit = String(query.limit);
    }
    if (query.cursor !== undefined) search.cursor = requireString('query.cursor', query.cursor, 1024);
    return this.call<EventsPage>('customer', { method: 'GET', path: '/v1/account/events', query: search });
  }

  // ---- plumbing ----

  private async refuseWhenSignedIn(method: string): Promise<void> {
    if (await this.session.isSignedIn()) {
      throw new IdstreamError('validation', `${method} is refused while a customer is signed in: sign out first`, { code: 'SIGNED_IN' });
    }
  }

  private async call<T>(auth: Auth, request: Omit<HttpRequest, 'token'>): Promise<T> {
    let token: string | null;
    switch (auth) {
      case 'anonymous':
        token = (await this.session.anonymousToken(await this.session.uuid())).token;
        break;
      case 'customer':
        token = await this.session.requireCustomerToken();
        break;
      case 'customer-or-none':
        token = (await this.session.customerToken({ refresh: true }))?.token ?? null;
        break;
    }
    try {
      return (await this.http.send<T>({ ...request, token })).body;
    } catch (error) {
      if (error instanceof IdstreamError && auth !== 'anonymous' && token) await this.session.endAfterRefusal(token, error);
      throw error;
    }
  }
}
