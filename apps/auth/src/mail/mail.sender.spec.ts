import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withoutAddresses } from './mail.sender';

describe('mail errors', () => {
  it('keep recipient addresses out of what is logged and stored', () => {
    const message = "Can't send mail - all recipients were rejected: 550 5.1.1 <Ann.Lee+x@Example.com>: Recipient address rejected";
    const cleaned = withoutAddresses(message);
    assert.ok(!cleaned.includes('Ann.Lee'), cleaned);
    assert.match(cleaned, /550 5\.1\.1 <<address>>: Recipient address rejected/);
  });
});
