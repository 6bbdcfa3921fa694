/**
 * The status page (ui/index.html) as a person uses it, in real headless
 * Chromium against the real hub: first-run onboarding, the devices and their
 * live values, the session cookie, logging out and in again; all under the
 * Content-Security-Policy the hub sends, with the console watched for errors.
 */
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../support/auth.ts';
import { launchBrowser, watchedPage } from '../support/browser.ts';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

const ms = (from: number) => `${(performance.now() - from).toFixed(0)} ms`;

/** What a person reads on the dashboard: device name → entity name → the value shown. */
async function dashboard(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.$$eval('#dashboard:not([hidden]) article', (cards) =>
    Object.fromEntries(
      cards.map((card) => [
        card.querySelector('h2').textContent,
        Object.fromEntries([...card.querySelectorAll('tr')].map((row) => [row.querySelector('th').textContent, row.querySelector('td').textContent])),
      ]),
    ),
  );
}

const text = (page: Page, selector: string) => page.$eval(selector, (element) => element.textContent);
const field = (page: Page, label: string) => page.locator(`::-p-aria([name="${label}"][role="textbox"])`);
const button = (page: Page, label: string) => page.locator(`::-p-aria([name="${label}"][role="button"])`);
const heading = (page: Page, label: string) => page.locator(`::-p-aria([name="${label}"][role="heading"])`);

async function signIn(page: Page, username: string, password: string, action: string): Promise<void> {
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(password);
  await button(page, action).click();
}

describe('the status page in headless Chromium', () => {
  let browser: Browser;
  let hub: TestHub | undefined;
  let device: MqttClient | undefined;
  beforeAll(async () => {
    const started = performance.now();
    browser = await launchBrowser();
    console.log(`Chromium ${await browser.version()} started in ${ms(started)}`);
  });
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
    device = hub = undefined;
  });
  afterAll(() => browser?.close());

  it('onboards the first admin, shows a device with values that change live, logs out and back in, without a CSP violation', async () => {
    hub = await startHub();
    const { page, errors, refused } = await watchedPage(browser);
    const response = await page.goto(`${hub.api}/`);
    // The policy the page must live with: scripts only from the hub or carrying this answer's nonce.
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(csp).not.toContain('unsafe-inline');

    // A fresh hub offers to create the first admin; a too short password is refused on the page.
    let step = performance.now();
    await heading(page, 'Create the first admin').wait();
    await signIn(page, ADMIN.username, 'short', 'Create admin');
    await eventually(async () => (await text(page, '#auth-error')) === 'password: must NOT have fewer than 10 characters');
    expect(await hub.get('/api/auth/me')).toMatchObject({ status: 200, body: { onboarding: true } });
    await signIn(page, ADMIN.username, ADMIN.password, 'Create admin');
    await button(page, 'Log out').wait();
    expect(await text(page, '#who')).toBe('ada (admin)');
    expect(await page.$eval('#auth', (form) => form.hidden)).toBe(true);
    console.log(`onboarding (refused, then created, dashboard shown): ${ms(step)}`);

    // The session is an HttpOnly, SameSite=Strict cookie: the browser has it, the page's scripts cannot read it.
    const session = (await page.cookies()).find((cookie) => cookie.name === 'hearth_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).toBe('');

    // A real MQTT device announces itself and reports: the dashboard shows it.
    step = performance.now();
    device = await connectDevice(hub.mqttUrl, 'garage');
    await announce(device, 'garage', [{ key: 'temperature', kind: 'sensor', name: 'Temperature', unit: '°C' }], { name: 'Garage' });
    await device.publishAsync('hearth/garage/telemetry', JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    await eventually(async () => (await dashboard(page)).Garage?.Temperature === '21.5 °C');
    console.log(`device announced and reported → shown: ${ms(step)}`);

    // A new value appears without a reload and without the page asking the hub for anything: it comes over the open stream.
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('framenavigated', (frame) => requested.push(`navigation to ${frame.url()}`));
    step = performance.now();
    await device.publishAsync('hearth/garage/telemetry', JSON.stringify({ temperature: 22.25 }), { qos: 1 });
    await eventually(async () => (await dashboard(page)).Garage?.Temperature === '22.25 °C');
    console.log(`telemetry published → new value on the page (live stream, no reload): ${ms(step)}`);
    expect(requested).toEqual([]);
    expect(await text(page, '#live')).toBe('live');

    // The session survives a reload of the page.
    await page.reload();
    await eventually(async () => (await dashboard(page)).Garage?.Temperature === '22.25 °C');

    // Logging out ends the session: the login form is back, the devices and the cookie are gone.
    await button(page, 'Log out').click();
    await heading(page, 'Log in').wait();
    expect(await dashboard(page)).toEqual({});
    expect((await page.cookies()).map((cookie) => cookie.name)).not.toContain('hearth_session');

    // A wrong password is refused on the page; the right one brings the dashboard back.
    await signIn(page, ADMIN.username, 'not-the-password', 'Log in');
    await eventually(async () => (await text(page, '#auth-error')) === 'wrong username or password');
    await signIn(page, ADMIN.username, ADMIN.password, 'Log in');
    await eventually(async () => (await dashboard(page)).Garage?.Temperature === '22.25 °C');
    expect(await text(page, '#auth-error')).toBe('');

    // Exactly the refusals the person caused, and nothing else in the console (a CSP violation would be here).
    expect(refused).toEqual(['POST /api/auth/onboarding → 400', 'POST /api/auth/login → 401']);
    expect(errors).toEqual([]);
  });
});
