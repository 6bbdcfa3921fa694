/**
 * The one way the hub makes JSON Schema validators (config, plugin options,
 * MQTT payloads), so every schema is held to the same rules.
 */
import { Ajv, type Options } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default import is `module.exports`, whose `.default` is the plugin.
const addFormats = formats.default;

/**
 * Ajv 8 with every error reported (`allErrors`), defaults filled in place from
 * the schema (`useDefaults`), schema mistakes rejected (`strict`) and the
 * ajv-formats formats. `allowUnionTypes` lets schemas say `type: ['string', 'null']`:
 * the alternative, `anyOf`, would make strict mode reject any `default` inside it.
 */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, ...options });
  addFormats(ajv);
  return ajv;
}
