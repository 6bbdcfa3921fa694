import { describe, expect, it } from 'vitest';
import { deviceAccess, type ClientIdentity } from '../../core/mqtt/device-access.ts';
import { TopicClaims } from '../../core/mqtt/topic-claims.ts';
import { captureLog } from './support.ts';

/** The topic rules alone: logging in is tested against the real hub (test/hub/mqtt-auth.test.ts). */
function rules() {
  const claims = new TopicClaims();
  const access = deviceAccess({} as never, {} as never, claims, { allowAnonymous: false, log: captureLog().log });
  return { access, claims };
}

const device: ClientIdentity = { kind: 'device', deviceId: 'dev-a', own: 'hearth/dev-a/' };

describe('device topic rules', () => {
  it('lets a device publish under its own prefix, but of its commands only the acks', () => {
    const { access } = rules();
    const may = (topic: string) => access.canPublish(device, topic);
    for (const topic of ['hearth/dev-a/telemetry', 'hearth/dev-a/announce', 'hearth/dev-a/status', 'hearth/dev-a/cmdx', 'hearth/dev-a/x/cmd/y']) {
      expect(may(topic), topic).toBe(true);
    }
    for (const topic of ['hearth/dev-a/cmd/relay/ack', 'hearth/dev-a/cmd//ack']) expect(may(topic), topic).toBe(true);
    for (const topic of ['hearth/dev-a/cmd', 'hearth/dev-a/cmd/', 'hearth/dev-a/cmd/relay', 'hearth/dev-a/cmd/relay/ack/more', 'hearth/dev-a/cmd/relay/acks', 'hearth/dev-a/cmd/ack']) {
      expect(may(topic), topic).toBe(false);
    }
    for (const topic of ['hearth/dev-b/telemetry', 'hearth/dev-ab/telemetry', 'hearth/dev-a', 'shellies/x/relay/0']) expect(may(topic), topic).toBe(false);
  });

  it('opens what a plugin claims for the device, and only while claimed', () => {
    const { access, claims } = rules();
    const release = claims.claim('dev-a', ['shellies/dev-a/#'], 'shelly');
    expect(access.canPublish(device, 'shellies/dev-a/relay/0')).toBe(true);
    expect(access.canPublish(device, 'shellies/dev-b/relay/0')).toBe(false);
    release();
    expect(access.canPublish(device, 'shellies/dev-a/relay/0')).toBe(false);
  });

  it('lets a pairing device only announce itself, and anonymous clients (allow_anonymous) anything', () => {
    const { access } = rules();
    const pairing: ClientIdentity = { kind: 'pairing', deviceId: 'dev-p' };
    expect(access.canPublish(pairing, 'hearth/dev-p/announce')).toBe(true);
    expect(access.canPublish(pairing, 'hearth/dev-p/telemetry')).toBe(false);
    expect(access.canPublish({ kind: 'anonymous' }, 'anything/at/all')).toBe(true);
  });
});
