/**
 * Real MicroPython (the WebAssembly port) with the firmware in its filesystem
 * laid out as on a Pico W: the firmware's files, unchanged, in the flash's
 * root (the working directory, so settings.json lands there too) and the
 * modules that are not MicroPython's own in /lib, where `mpremote mip install`
 * puts umqtt.simple. The hardware is faked by the CPython tests' own fakes
 * (tests/fakes: machine, network, ntptime) on MicroPython's real `time`
 * (tests/micropython/mtime.py); umqtt.simple is the recording fake, or a
 * bridge to a real MQTT client when `mqttBridge` is given, both built on
 * tests/fakes/umqtt_base.py.
 */
/// <reference path="./micropython-wasm.d.ts" />
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMicroPython, type MicroPython } from '@micropython/micropython-webassembly-pyscript';

const FIRMWARE = fileURLToPath(new URL('../..', import.meta.url));
const TESTS = join(FIRMWARE, 'tests');
export const FLASH = '/flash';

/** /lib path → file in the repository. */
const LIB = {
  'machine.py': 'fakes/machine.py',
  'network.py': 'fakes/network.py',
  'ntptime.py': 'fakes/ntptime.py',
  'umqtt_base.py': 'fakes/umqtt_base.py',
  'mtime.py': 'micropython/mtime.py',
  'scene.py': 'e2e/scene.py',
};
const RECORDING_MQTT = 'fakes/umqtt';
const BRIDGED_MQTT = 'micropython/umqtt';

export interface FirmwareOptions {
  /** more files for the flash, by name: secrets.py, boot.py, … */
  flash?: Record<string, string | Uint8Array>;
  /** what the Pico prints on its console, line by line */
  console(line: string): void;
  /**
   * umqtt.simple's calls, answered synchronously (tests/micropython/umqtt/simple.py);
   * without it umqtt.simple is the recording fake of the host tests.
   */
  mqttBridge?: (op: string, args: string) => string;
}

export async function loadFirmware(options: FirmwareOptions): Promise<MicroPython> {
  const mp = await loadMicroPython({ stdout: options.console, stderr: options.console });
  mp.FS.mkdirTree(FLASH);
  mp.FS.mkdirTree('/lib/umqtt');
  for (const name of readdirSync(FIRMWARE).filter((file) => file.endsWith('.py'))) {
    mp.FS.writeFile(`${FLASH}/${name}`, readFileSync(join(FIRMWARE, name)));
  }
  for (const [name, content] of Object.entries(options.flash ?? {})) mp.FS.writeFile(`${FLASH}/${name}`, content);
  for (const [name, source] of Object.entries(LIB)) mp.FS.writeFile(`/lib/${name}`, readFileSync(join(TESTS, source)));
  const mqtt = join(TESTS, options.mqttBridge ? BRIDGED_MQTT : RECORDING_MQTT);
  for (const name of ['__init__.py', 'simple.py']) mp.FS.writeFile(`/lib/umqtt/${name}`, readFileSync(join(mqtt, name)));
  if (options.mqttBridge) mp.registerJsModule('mqtt_bridge', { call: options.mqttBridge });
  // '' (the working directory) comes first on MicroPython's sys.path, then /lib
  mp.runPython(`import os\nos.chdir(${JSON.stringify(FLASH)})`);
  return mp;
}
