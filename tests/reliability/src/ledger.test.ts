import type { CreatedCallback, ReceivedRequest } from '@hookmesh/testing';
import { Webhook } from 'standardwebhooks';
import { createLedger } from './ledger';

const secret = `whsec_${Buffer.from('a-test-secret-of-24-bytes!').toString('base64')}`;
const callback: CreatedCallback = { id: 'cb-1', url: 'http://127.0.0.1/x', message_type: 'orderEvent', secret, status: 'active', profile: 'standard', signed: true };

function request(messageId: string, options: { attempt?: number; status?: number; outcome?: ReceivedRequest['outcome']; signWith?: string } = {}): ReceivedRequest {
  const body = JSON.stringify({ message_id: messageId });
  const at = new Date();
  const signature = new Webhook(options.signWith ?? secret).sign(messageId, at, body);
  return {
    path: '/x',
    body,
    at: at.getTime(),
    outcome: options.outcome ?? 'answered',
    status: options.status ?? 200,
    headers: {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
      'x-hookmesh-callback-id': callback.id,
      'x-hookmesh-delivery': `d-${messageId}`,
      'x-hookmesh-attempt': String(options.attempt ?? 1),
    },
  };
}

describe('the delivery ledger', () => {
  it('balances: lost, unexpected, duplicates and attempts from what the receivers acknowledged', () => {
    const ledger = createLedger();
    ledger.trust([callback]);
    ledger.accept('m1', [callback.id]);
    ledger.accept('m2', [callback.id]);
    ledger.accept('m3', [callback.id]);
    const report = ledger.report([
      request('m1'),
      request('m1'),
      request('m2', { status: 500 }),
      request('m2', { attempt: 2, outcome: 'abandoned' }),
      request('m3', { outcome: 'abandoned' }),
      request('m3'),
      request('m9'),
    ]);
    expect(report).toEqual({
      accepted: 3,
      expected: 3,
      delivered: 2,
      lost: ['m2/cb-1'],
      unexpected: ['m9/cb-1'],
      duplicates: 1,
      forged: [],
      requests: 7,
      attempts: 5,
    });
  });

  it('counts a request signed with another secret as forged, never as delivered', () => {
    const ledger = createLedger();
    ledger.trust([callback]);
    ledger.accept('m1', [callback.id]);
    const forger = `whsec_${Buffer.from('some-other-secret-24-bytes').toString('base64')}`;
    const report = ledger.report([request('m1', { signWith: forger })]);
    expect(report.forged).toEqual(['m1/cb-1']);
    expect(report.lost).toEqual(['m1/cb-1']);
    expect(report.delivered).toBe(0);
  });
});
