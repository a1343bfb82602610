import type { AccountView } from '@idstream/contracts';
import type { AccountState } from '../profile.state';

/** The account as its owner sees it: explicit fields, never the password hash or sessions. */
export function toAccountView(state: AccountState): AccountView {
  const p = state.profile;
  return {
    profileId: state.profileId,
    email: state.email,
    emailConfirmed: state.kind === 'active' && state.emailConfirmed,
    status: state.kind,
    firstName: p.firstName ?? null,
    lastName: p.lastName ?? null,
    displayName: p.displayName ?? null,
    phone: p.phone ?? null,
    customId: p.customId ?? null,
    sex: p.sex ?? null,
    birthDate: p.birthDate ?? null,
    company: p.company ?? null,
    address: p.address ?? null,
    city: p.city ?? null,
    province: p.province ?? null,
    zipCode: p.zipCode ?? null,
    countryCode: p.countryCode ?? null,
    agreements: state.agreements,
    attributes: state.attributes,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}
