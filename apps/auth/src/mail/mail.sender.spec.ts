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

  it('keep a quoted one-time code out of them too', () => {
    const token = 'Zx9_fQ2kLmN3pR7sT1uV5wX8yA0bC4dE6gH2jK9mNq';
    const cleaned = withoutAddresses(`Message failed: 554 5.7.1 Rejected as spam: Or enter this code in the app: ${token}`);
    assert.ok(!cleaned.includes(token), cleaned);
    assert.match(cleaned, /554 5\.7\.1 Rejected as spam/);
  });
});
