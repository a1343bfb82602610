/**
 * The position after the last item of a page, newest first: that item's (occurredAt, envelope
 * id). The next page holds what sorts strictly below it, so pages neither repeat nor skip an
 * item, even when events arrive meanwhile (they sort above the first page or land in place).
 * Opaque to clients: base64url of `<epoch ms>.<envelope id>`.
 */
export interface OwnEventsCursor {
  occurredAt: number;
  envelopeId: string;
}

const SHAPE = /^(\d{1,15})\.([0-9a-f-]{1,64})$/;

export function encodeCursor(cursor: OwnEventsCursor): string {
  return Buffer.from(`${cursor.occurredAt}.${cursor.envelopeId}`, 'utf8').toString('base64url');
}

/** The cursor, or null when the text is not one we made. */
export function decodeCursor(text: string): OwnEventsCursor | null {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(text)) return null;
  const match = SHAPE.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return null;
  return { occurredAt: Number(match[1]), envelopeId: match[2]! };
}
