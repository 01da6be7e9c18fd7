// Whatever values a customer's events carry, a rendered webhook body is valid JSON and carries
// them exactly: the values are never parsed as templates or as JSON syntax.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderRequest, TemplateError, type Json } from '../../src/domain/template';

/** Strings made to hurt: JSON and template syntax, escapes, control characters, lone surrogates. */
const hostileString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '"',
      '\\',
      '{{',
      '}}',
      '{{{',
      '{{user.id}}',
      '\\u0000',
      '\u0000',
      '\n',
      '\r',
      '\t',
      '\u2028',
      '\u2029',
      '\ud800',
      '\udfff',
      '😀',
      '</script>',
      '[object Object]',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

/** A property value as JSON can carry it; -0 becomes 0 on the way, as on the wire. */
const propertyValue = fc.oneof(hostileString, fc.jsonValue()) as fc.Arbitrary<Json>;
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

function scopeWith(properties: Record<string, unknown>) {
  return {
    user: { id: 'u-1', properties },
    event: { id: 'e-1', name: 'x', properties },
    campaign: { id: 'c' },
    journey: { id: 'j' },
  };
}

function render(body: Json, properties: Record<string, unknown>): unknown {
  const rendered = renderRequest({ method: 'POST', url: 'https://hooks.example.com/in', body }, scopeWith(properties));
  return JSON.parse(rendered.body!);
}

describe('rendered JSON bodies (property-based)', () => {
  it('carry any JSON property value exactly, with its type, in a leaf that is one {{path}}', () => {
    fc.assert(
      fc.property(propertyValue, propertyValue, (value, other) => {
        const body = render(
          { value: '{{event.properties.value}}', nested: { list: ['{{{user.properties.other}}}', 7] } },
          { value, other },
        );
        assert.deepEqual(body, { value: asJson(value), nested: { list: [asJson(other), 7] } });
      }),
      { numRuns: 300 },
    );
  });

  it('carry any string exactly inside surrounding text, without evaluating it as a template', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (first, second) => {
        const body = render(
          { text: 'a "{{event.properties.first}}" b \\ {{user.properties.second}}!' },
          { first, second },
        );
        assert.deepEqual(body, { text: `a "${first}" b \\ ${second}!` });
      }),
      { numRuns: 300 },
    );
  });

  it('stay valid JSON for every property, whatever its key and value', () => {
    // Keys a template can name inside text (Handlebars reads an all-digit segment as a number).
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,19}$/);
    fc.assert(
      fc.property(fc.dictionary(key, propertyValue, { maxKeys: 8 }), (properties) => {
        const body = Object.fromEntries(Object.keys(properties).map((k) => [k, `{{event.properties.${k}}}`]));
        const texts = Object.fromEntries(
          Object.keys(properties).map((k) => [`${k}-text`, `<{{user.properties.${k}}}>`]),
        );
        const rendered = render({ ...body, ...texts }, properties) as Record<string, unknown>;
        for (const [k, value] of Object.entries(properties)) {
          assert.deepEqual(rendered[k], asJson(value));
          const text =
            value === null ? '' : typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : value;
          if (!Array.isArray(value)) assert.equal(rendered[`${k}-text`], `<${String(text)}>`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never put a line break into a header: the value is sent whole or the request is refused, naming the header', () => {
    fc.assert(
      fc.property(hostileString, (value) => {
        const template = {
          method: 'POST',
          url: 'https://hooks.example.com/in',
          headers: { 'X-Name': 'n={{user.properties.value}}' },
        };
        let headers: Record<string, string>;
        try {
          headers = renderRequest(template, scopeWith({ value })).headers;
        } catch (err) {
          assert.ok(err instanceof TemplateError && err.path === 'headers.X-Name', String(err));
          assert.match(value, /[\r\n\0]/);
          return;
        }
        assert.equal(headers['X-Name'], `n=${value}`);
      }),
      { numRuns: 300 },
    );
  });
});
