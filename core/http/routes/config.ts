import { Hono } from 'hono';
import { checkConfigText } from '../config-check.ts';
import { spec } from '../route-spec.ts';
import { mediaTypeOf } from '../validate-request.ts';

const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml'] as const;

const validate = spec({
  summary: 'Check a configuration without applying it',
  description:
    'The YAML as `hearth check-config` checks a file, as if it were the config file (`!include` and `!secret` resolve beside it), with every enabled plugin\'s options. Send it as text/yaml, or as JSON `{"yaml": "..."}`. Failing values are not echoed: they may come from `${ENV}` or an included file.',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['yaml'],
    properties: { yaml: { type: 'string', description: 'the config text' } },
  },
  textBody: YAML_TYPES,
  responses: {
    200: {
      description: 'valid, or every problem with where it is',
      schema: {
        type: 'object',
        required: ['valid', 'errors'],
        properties: {
          valid: { type: 'boolean' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['file', 'line', 'column', 'path', 'message'],
              properties: {
                file: { type: ['string', 'null'], description: 'null: the text sent; else an included file, secrets.yaml or environment:VAR' },
                line: { type: ['integer', 'null'] },
                column: { type: ['integer', 'null'] },
                path: { type: 'string', description: 'e.g. http.port' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
});

export function configRoutes(configDir: string): Hono {
  return new Hono().post('/validate', validate, async (c) => {
    const isYaml = (YAML_TYPES as readonly string[]).includes(mediaTypeOf(c));
    const text = isYaml ? await c.req.text() : c.req.valid('json').yaml;
    const errors = await checkConfigText(text, configDir);
    return c.json({ valid: errors.length === 0, errors });
  });
}
