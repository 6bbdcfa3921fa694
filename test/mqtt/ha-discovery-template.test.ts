import { describe, expect, it } from 'vitest';
import { compileTemplate, MISSING, TemplateError } from '../../core/mqtt/ha-discovery-template.ts';

function render(source: string, payload: string): unknown {
  const template = compileTemplate(source);
  if (!template.supported) throw new Error(`unexpectedly unsupported: ${template.reason}`);
  return template.render(payload);
}

describe('HA value templates', () => {
  it('reads fields of value_json with dots, quotes and indexes', () => {
    expect(render('{{ value_json.temperature }}', '{"temperature": 21.5}')).toBe(21.5);
    expect(render('{{value_json.temperature}}', '{"temperature": 21.5}')).toBe(21.5);
    expect(render("{{ value_json['temp'] }}", '{"temp": 19}')).toBe(19);
    expect(render('{{ value_json["temp"] }}', '{"temp": 19}')).toBe(19);
    expect(render('{{ value_json.a.b }}', '{"a": {"b": "deep"}}')).toBe('deep');
    // Tasmota's energy template
    expect(render("{{value_json['ENERGY']['Power']}}", '{"ENERGY": {"Power": 42}}')).toBe(42);
    expect(render("{{ value_json['ENERGY'].Current }}", '{"ENERGY": {"Current": 0.18}}')).toBe(0.18);
    expect(render('{{ value_json.list[1] }}', '{"list": [5, 6]}')).toBe(6);
  });

  it('gives the raw payload for value and MISSING for a field the message does not have', () => {
    expect(render('{{ value }}', '21.5')).toBe('21.5');
    expect(render('{{ value_json.humidity }}', '{"temperature": 21}')).toBe(MISSING);
    expect(render('{{ value_json.a.b }}', '{"a": 3}')).toBe(MISSING);
    expect(render('{{ value_json.a }}', 'not json')).toBe(MISSING);
    expect(render('{{ value_json.x | float }}', '{}')).toBe(MISSING);
  });

  it('applies float, int, round and the text filters', () => {
    expect(render('{{ value | float }}', ' 21.25 ')).toBe(21.25);
    expect(render('{{ value_json.x | round(1) }}', '{"x": 21.26}')).toBe(21.3);
    expect(render('{{ value_json.x | round }}', '{"x": 2.5}')).toBe(3);
    expect(render("{{ value_json.x | round(0, 'floor') }}", '{"x": 2.9}')).toBe(2);
    expect(render('{{ value_json.x | int }}', '{"x": "12.7"}')).toBe(12);
    expect(render('{{ value_json.x | int }}', '{"x": -12.7}')).toBe(-12);
    expect(render('{{ value_json.x | float | round(2) }}', '{"x": "3.14159"}')).toBe(3.14);
    expect(render('{{ value_json.s | lower }}', '{"s": "ON"}')).toBe('on');
    expect(render('{{ value_json.s | upper }}', '{"s": "on"}')).toBe('ON');
    expect(render('{{ value_json.b | string }}', '{"b": true}')).toBe('True');
    expect(render('{{ value_json.x | default(7) }}', '{}')).toBe(7);
    expect(render('{{ value | float(0) }}', 'abc')).toBe(0);
  });

  it('throws a TemplateError for a number filter on text without a default', () => {
    const template = compileTemplate('{{ value | float }}');
    expect(template.supported).toBe(true);
    if (template.supported) expect(() => template.render('warm')).toThrow(TemplateError);
  });

  it('reports unknown filters and other Jinja as unsupported, never evaluating them', () => {
    const cases = [
      '{{ value_json.x | is_defined }}',
      "{{ value_json.Color.split(',')[0:3]|join(',') }}",
      '{% if value == "1" %}ON{% endif %}',
      '{{ value_json.x * 2 }}',
      '{{ states("sensor.x") }}',
      '{{ value_json.x | round(value) }}',
      'ON',
    ];
    for (const source of cases) {
      const template = compileTemplate(source);
      expect({ source, supported: template.supported }).toEqual({ source, supported: false });
    }
    const unknown = compileTemplate('{{ value_json.x | is_defined }}');
    expect(unknown.supported === false && unknown.reason).toBe('filter "is_defined"');
  });
});
