import { describe, expect, it } from 'vitest';
import { firstFree, slugify } from '../../core/registry/slug.ts';

describe('slugify', () => {
  it('lowercases, strips accents and joins words with one underscore', () => {
    expect(slugify('Pico-Garage Ünit')).toBe('pico_garage_unit');
  });

  it('folds other accented letters to their base letter', () => {
    expect(slugify('Café Crème à la Noël')).toBe('cafe_creme_a_la_noel');
  });

  it('trims leading and trailing junk', () => {
    expect(slugify('  --Hello, World!!  ')).toBe('hello_world');
    expect(slugify('__x__')).toBe('x');
  });

  it('collapses runs of separators into one underscore', () => {
    expect(slugify('a  -- b__c..d')).toBe('a_b_c_d');
  });

  it('keeps digits and already-slugged text unchanged', () => {
    expect(slugify('sensor_2')).toBe('sensor_2');
    expect(slugify('ESP32 Kitchen 3')).toBe('esp32_kitchen_3');
  });

  it('gives an empty string for empty text or text of junk only', () => {
    expect(slugify('')).toBe('');
    expect(slugify('   ')).toBe('');
    expect(slugify('!@#$%^&*()')).toBe('');
    expect(slugify('日本語')).toBe('');
  });

  it('folds compatibility characters (NFKD)', () => {
    expect(slugify('ﬁle ²')).toBe('file_2');
  });
});

describe('firstFree', () => {
  it('returns the base when it is free, without asking for others', () => {
    const asked: string[] = [];
    expect(
      firstFree('sensor.x', (c) => {
        asked.push(c);
        return false;
      }),
    ).toBe('sensor.x');
    expect(asked).toEqual(['sensor.x']);
  });

  it('returns base_2 when only the base is taken', () => {
    const taken = new Set(['sensor.x']);
    expect(firstFree('sensor.x', (c) => taken.has(c))).toBe('sensor.x_2');
  });

  it('counts up to the first free suffix, asking in order', () => {
    const taken = new Set(['a', 'a_2', 'a_3']);
    const asked: string[] = [];
    const result = firstFree('a', (c) => {
      asked.push(c);
      return taken.has(c);
    });
    expect(result).toBe('a_4');
    expect(asked).toEqual(['a', 'a_2', 'a_3', 'a_4']);
  });

  it('never returns base_1 and fills gaps', () => {
    const taken = new Set(['a', 'a_3']);
    expect(firstFree('a', (c) => taken.has(c))).toBe('a_2');
  });
});
