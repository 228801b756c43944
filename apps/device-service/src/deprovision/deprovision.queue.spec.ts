import { randomUUID } from 'node:crypto';
import { cascadeJobId } from './deprovision.queue';

describe('cascadeJobId', () => {
  it('DEPROV-1 one job id per user: the same user always gets the same UUID, another user another', () => {
    const user = randomUUID();
    expect(cascadeJobId(user)).toBe(cascadeJobId(user));
    expect(cascadeJobId(user)).not.toBe(cascadeJobId(randomUUID()));
    expect(cascadeJobId(user)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
