import { domainToASCII } from 'node:url';
import { confusableLocalPart, type EmailConfusable } from './email-confusables';

/**
 * One canonical form per email address: what the uniqueness index, every lookup and every
 * rate-limit bucket use. The address as given is kept for display and for mail.
 *
 * - The whole address: well-formed UTF-16 (no lone surrogate), NFC, at most 254 characters.
 * - Domain: IDNA (UTS #46, `node:url`'s `domainToASCII`), stored as the lowercase A-label
 *   (`xn--bcher-kva.de`), so `Bücher.DE`, `bücher.de` and `xn--bcher-kva.de` are one domain.
 * - Local part: NFC, ASCII A–Z lowercased, every other character kept as it is (no Unicode
 *   case folding, no compatibility mapping): `Kate@` and `kate@` are one mailbox, `Élodie@`
 *   and `élodie@` two. RFC 5321 leaves case to the receiving server; ASCII folding is what
 *   every large provider does, and folding beyond it would merge mailboxes that some
 *   servers keep apart.
 * - Refused: code points that NFC itself replaces (the Kelvin sign K U+212A, Ohm Ω U+2126,
 *   Ångström Å U+212B, CJK compatibility ideographs, …). They are canonically equivalent
 *   to an ordinary letter, so after NFC `Kate@` (Kelvin) would BE `kate@`: accepting them
 *   would let one person claim another's address with a string that mails a different box.
 *   Also refused: invisible characters (Unicode default-ignorables such as U+200B, U+200D,
 *   U+FEFF, U+00AD), controls, separators, private-use and unassigned code points.
 *
 * Never throws. `confusable` says when the local part could pass for another address (see
 * email-confusables.ts); what to do about it is the workspace's setting.
 */
export type CanonicalEmail = { ok: true; canonical: string; confusable: EmailConfusable | null } | { ok: false; reason: EmailRefusal };

export type EmailRefusal =
  | 'not-a-string'
  | 'too-long'
  | 'malformed-unicode'
  | 'not-an-address'
  | 'invisible-character'
  | 'forbidden-character'
  | 'non-normalized-character'
  | 'invalid-domain';

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_BYTES = 64;

/** With the u flag a surrogate pair is one code point: only a lone half matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Default-ignorables (invisible), controls, format characters, separators, private use, unassigned. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Z}\s]/u;
/** RFC 5322 atext plus any non-ASCII character left after the checks above (RFC 6531). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10ffff}-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10ffff}-]+)*$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function canonicalEmail(raw: unknown): CanonicalEmail {
  if (typeof raw !== 'string') return refuse('not-a-string');
  if (raw.length > MAX_EMAIL_LENGTH) return refuse('too-long');
  if (LONE_SURROGATE.test(raw)) return refuse('malformed-unicode');
  if (INVISIBLE.test(raw)) return refuse('invisible-character');
  if (FORBIDDEN.test(raw)) return refuse('forbidden-character');
  for (const ch of raw) if (ch.normalize('NFC') !== ch) return refuse('non-normalized-character');
  const nfc = raw.normalize('NFC');
  const at = nfc.lastIndexOf('@');
  if (at <= 0 || at === nfc.length - 1) return refuse('not-an-address');
  const local = nfc.slice(0, at);
  if (!LOCAL_PART.test(local) || Buffer.byteLength(local, 'utf8') > MAX_LOCAL_PART_BYTES) return refuse('not-an-address');
  const domain = canonicalDomain(nfc.slice(at + 1));
  if (!domain) return refuse('invalid-domain');
  const canonicalLocal = local.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const canonical = `${canonicalLocal}@${domain}`;
  if (canonical.length > MAX_EMAIL_LENGTH) return refuse('too-long');
  return { ok: true, canonical, confusable: confusableLocalPart(canonicalLocal) };
}

/** The canonical form, or null when the address is refused (a lookup of it finds nothing). */
export function canonicalEmailOrNull(raw: unknown): string | null {
  const result = canonicalEmail(raw);
  return result.ok ? result.canonical : null;
}

/** A readable sentence for a refusal (never echoes the address: it is personal data). */
export function describeEmailRefusal(reason: EmailRefusal): string {
  switch (reason) {
    case 'not-a-string':
      return 'must be a string';
    case 'too-long':
      return `must be at most ${MAX_EMAIL_LENGTH} characters`;
    case 'malformed-unicode':
      return 'must be well-formed Unicode (no lone surrogate)';
    case 'not-an-address':
      return `must be an address local@domain with a local part of at most ${MAX_LOCAL_PART_BYTES} bytes`;
    case 'invisible-character':
      return 'must not contain invisible characters (zero-width, soft hyphen, ...)';
    case 'forbidden-character':
      return 'must not contain spaces, control, format, private-use or unassigned characters';
    case 'non-normalized-character':
      return 'must not contain characters that Unicode normalization replaces (Kelvin sign, Ohm sign, ...)';
    case 'invalid-domain':
      return 'must have a valid domain name';
    default: {
      const never: never = reason;
      return String(never);
    }
  }
}

/** Lowercase A-label form of a domain with at least two labels and an alphabetic TLD, or null. */
function canonicalDomain(domain: string): string | null {
  if (domain.startsWith('[')) return null; // address literals are not accepted
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^[0-9]+$/.test(labels.at(-1)!)) return null;
  return ascii;
}

const refuse = (reason: EmailRefusal): CanonicalEmail => ({ ok: false, reason });
