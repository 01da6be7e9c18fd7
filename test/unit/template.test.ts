import assert from 'node:assert/strict';
import {
  readsUserProperties,
  renderRequest,
  templateLeaves,
  templateProblem,
  TemplateError,
  type Json,
  type RequestTemplate,
} from '../../src/domain/template';

const scope = {
  user: {
    id: 'u-1',
    properties: {
      name: 'Ana "The Boss" <b>&</b>\nO\'Neil \\ ok',
      points: 1250,
      vip: true,
      phone: null,
      tags: ['a', 'b'],
    },
  },
  event: {
    id: 'e1',
    name: 'price_dropped',
    timestamp: '2026-11-28T09:00:00Z',
    properties: { dropPercent: 15.5, sku: 'SKU 42/x' },
  },
  campaign: { id: 'price-drop', name: 'Price drop' },
  journey: { id: 'j1' },
};

const URL_ = 'https://hooks.example.com/notify';

function renderBody(body: Json): unknown {
  const rendered = renderRequest({ method: 'POST', url: URL_, body }, scope);
  return JSON.parse(rendered.body!);
}

/** Runs fn, expecting a TemplateError, and returns it. */
function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a TemplateError');
}

describe('renderRequest body', () => {
  it('stays valid JSON and keeps quotes, newlines and HTML characters verbatim', () => {
    const body = renderBody({
      text: 'Hello {{user.properties.name}}!',
      nested: { list: ['{{event.properties.sku}} x'] },
    });
    assert.deepEqual(body, {
      text: `Hello ${scope.user.properties.name}!`,
      nested: { list: ['SKU 42/x x'] },
    });
  });

  const soleLeaves: Array<[string, string, unknown]> = [
    ['a number stays a number', '{{user.properties.points}}', 1250],
    ['a decimal stays a decimal', '{{event.properties.dropPercent}}', 15.5],
    ['a boolean stays a boolean', '{{user.properties.vip}}', true],
    ['null stays null', '{{user.properties.phone}}', null],
    ['an array stays an array', '{{user.properties.tags}}', ['a', 'b']],
    ['spaces inside the braces are allowed', '{{ user.properties.points }}', 1250],
    ['a triple-stache works too', '{{{user.properties.points}}}', 1250],
  ];
  for (const [name, leaf, expected] of soleLeaves) {
    it(`one-expression leaf: ${name}`, () => assert.deepEqual(renderBody({ v: leaf }), { v: expected }));
  }

  it('reads array items by index, as conditions do: items.0.1 inside text and in blocks, and not a number such as 1.5', () => {
    const local = {
      event: {
        properties: {
          path: [
            [126.97, 37.56],
            [127.02, 37.5],
          ],
        },
      },
    };
    const text =
      'lat {{event.properties.path.0.1}}; {{#each event.properties.path}}{{this.0}} {{/each}}{{#if 1.5}}!{{/if}}';
    assert.equal(templateProblem(text), undefined);
    const rendered = renderRequest({ method: 'POST', url: 'http://127.0.0.1/', body: { v: text } }, local);
    assert.deepEqual(JSON.parse(rendered.body!), { v: 'lat 37.56; 126.97 127.02 !' });
  });

  it('renders a number inside text as text', () => {
    assert.deepEqual(renderBody({ v: '{{user.properties.points}} points' }), { v: '1250 points' });
  });

  it('leaves non-string leaves untouched', () => {
    assert.deepEqual(renderBody({ n: 3, b: false, z: null, list: [1, '{{journey.id}}'] }), {
      n: 3,
      b: false,
      z: null,
      list: [1, 'j1'],
    });
  });

  it('writes an object inside text as its JSON, whatever its keys are called', () => {
    const properties = { item: { toString: '', valueOf: 1, sku: 'A"1' }, list: [{ n: 1 }, 2] };
    const rendered = renderRequest(
      { method: 'POST', url: URL_, body: { v: 'item={{event.properties.item}} list={{event.properties.list}}' } },
      { ...scope, event: { ...scope.event, properties } },
    );
    assert.deepEqual(JSON.parse(rendered.body!), {
      v: 'item={"toString":"","valueOf":1,"sku":"A\\"1"} list={"n":1},2',
    });
  });

  it('supports built-in block helpers', () => {
    const text = '{{#if user.properties.vip}}VIP {{/if}}{{#each user.properties.tags}}[{{this}}]{{/each}}';
    assert.deepEqual(renderBody({ text }), { text: 'VIP [a][b]' });
  });
});

describe('renderRequest missing values', () => {
  const cases: Array<[string, RequestTemplate, string, RegExp]> = [
    [
      'a missing variable inside text',
      { method: 'POST', url: URL_, body: { greeting: 'Hi {{user.properties.nickname}}' } },
      'body.greeting',
      /nickname/,
    ],
    [
      'a missing one-expression leaf',
      { method: 'POST', url: URL_, body: { points: '{{user.properties.score}}' } },
      'body.points',
      /"user\.properties\.score" is not defined/,
    ],
    [
      'a missing variable in an array item',
      { method: 'POST', url: URL_, body: { items: ['ok', '{{event.properties.color}}'] } },
      'body.items.1',
      /event\.properties\.color/,
    ],
    [
      'a missing variable in a header',
      { method: 'POST', url: URL_, headers: { 'X-Name': '{{user.properties.nickname}}' } },
      'headers.X-Name',
      /nickname/,
    ],
    [
      'a missing variable in the query',
      { method: 'GET', url: URL_, query: { ref: '{{campaign.slug}}' } },
      'query.ref',
      /slug/,
    ],
    [
      'a missing variable in the URL',
      { method: 'GET', url: 'https://x.example/{{user.properties.shop}}' },
      'url',
      /shop/,
    ],
  ];
  for (const [name, template, path, reason] of cases) {
    it(`raises a TemplateError at ${path} for ${name}`, () => {
      const err = templateError(() => renderRequest(template, scope));
      assert.equal(err.path, path);
      assert.ok(err.message.startsWith(`${path}: `), err.message);
      assert.match(err.message, reason);
    });
  }

  it('never reads a prototype property', () => {
    assert.equal(templateError(() => renderBody({ v: '{{user.constructor}}' })).path, 'body.v');
    assert.equal(templateError(() => renderBody({ v: 'x {{user.constructor.name}}' })).path, 'body.v');
    assert.deepEqual(renderBody({ v: 'x{{user.__proto__}}' }), { v: 'x' });
  });
});

describe('renderRequest URL, query and headers', () => {
  it('renders headers and appends query values URL-encoded to the existing query', () => {
    const rendered = renderRequest(
      {
        method: 'GET',
        url: 'https://x.example/u/{{user.id}}?src=hw',
        headers: { 'X-User': '{{user.id}}' },
        query: { name: '{{user.properties.name}}', sku: '{{event.properties.sku}}' },
      },
      scope,
    );
    const url = new URL(rendered.url);
    assert.equal(url.pathname, '/u/u-1');
    assert.deepEqual(
      [...url.searchParams],
      [
        ['src', 'hw'],
        ['name', scope.user.properties.name],
        ['sku', 'SKU 42/x'],
      ],
    );
    assert.deepEqual(rendered.headers, { 'X-User': 'u-1' });
    assert.equal(rendered.method, 'GET');
    assert.equal(rendered.body, undefined);
  });

  const badUrls: Array<[string, RegExp]> = [
    ['{{user.id}}', /"u-1" is not a valid URL/],
    ['javascript:alert({{user.id}})', /protocol javascript: is not allowed/],
    ['file:///etc/passwd', /protocol file: is not allowed/],
  ];
  for (const [url, reason] of badUrls) {
    it(`rejects the URL ${url}`, () => {
      const err = templateError(() => renderRequest({ method: 'GET', url }, scope));
      assert.equal(err.path, 'url');
      assert.match(err.message, reason);
    });
  }
});

describe('renderRequest path under a destination', () => {
  const DESTINATION = 'https://api.example.com/v2?account=7';
  const withId = (id: string) => ({ ...scope, event: { ...scope.event, properties: { id } } });
  const renderPath = (path: string, id: string) =>
    new URL(renderRequest({ method: 'POST', destination: 'd', path }, withId(id), DESTINATION).url);

  const hostile: Array<[string, string]> = [
    ['../../admin/users', '/v2/orders/..%2F..%2Fadmin%2Fusers'],
    ['%2e%2e/', '/v2/orders/%252e%252e%2F'],
    ['..\\admin', '/v2/orders/..%5Cadmin'],
    ['ok?role=admin#', '/v2/orders/ok%3Frole%3Dadmin%23'],
    ['a b/ü', '/v2/orders/a%20b%2F%C3%BC'],
  ];
  for (const [id, pathname] of hostile) {
    it(`places "${id}" as one segment under the destination's path`, () => {
      const url = renderPath('/orders/{{event.properties.id}}', id);
      assert.deepEqual(
        [url.origin, url.pathname, [...url.searchParams]],
        ['https://api.example.com', pathname, [['account', '7']]],
      );
    });
  }

  for (const id of ['..', '.']) {
    it(`refuses the value "${id}" as a whole segment, as a template error at path`, () => {
      const err = templateError(() => renderPath('/orders/{{event.properties.id}}', id));
      assert.equal(err.path, 'path');
      assert.match(err.message, /"\.?" or "\.\." segment|would leave the destination/);
    });
  }

  it('places an object as one segment holding its JSON', () => {
    const url = renderRequest(
      { method: 'POST', destination: 'd', path: '/orders/{{event.properties.id}}' },
      { ...scope, event: { ...scope.event, properties: { id: { '../x?': 1 } } } },
      DESTINATION,
    );
    assert.equal(new URL(url.url).pathname, '/v2/orders/%7B%22..%2Fx%3F%22%3A1%7D');
  });

  it("keeps the author's own query string and the destination's", () => {
    const url = renderPath('orders/{{event.properties.id}}?expand=lines', 'o-1');
    assert.equal(url.toString(), 'https://api.example.com/v2/orders/o-1?account=7&expand=lines');
  });

  it("refuses a literal path that climbs out of the destination's path", () => {
    const err = templateError(() => renderPath('/../admin/{{event.properties.id}}', 'x'));
    assert.equal(err.path, 'path');
  });
});

describe('renderRequest output budget', () => {
  // The shape of the exploding render from issue 14: every item repeats a large profile value.
  const exploding = {
    ...scope,
    user: { id: 'u-1', properties: { name: 'n'.repeat(2_000) } },
    event: { ...scope.event, properties: { items: Array.from({ length: 5_000 }, (_, i) => i) } },
  };
  const LOOP = '{{#each event.properties.items}}{{../user.properties.name}}{{/each}}';

  for (const [where, template] of [
    ['headers.X-List', { method: 'POST', url: URL_, headers: { 'X-List': LOOP } }],
    ['query.list', { method: 'POST', url: URL_, query: { list: LOOP } }],
    ['body.text', { method: 'POST', url: URL_, body: { text: LOOP } }],
  ] as Array<[string, RequestTemplate]>) {
    it(`stops a loop at ${where} once its output passes 256 KiB`, () => {
      const err = templateError(() => renderRequest(template, exploding));
      assert.equal(err.path, where);
      assert.match(err.message, /passes its budget of 262144 bytes; rendering stopped/);
    });
  }

  it('renders a loop whose output fits', () => {
    const small = { ...exploding, event: { ...exploding.event, properties: { items: [1, 2, 3] } } };
    assert.equal(
      renderRequest({ method: 'POST', url: URL_, headers: { 'X-List': LOOP } }, small).headers['X-List'].length,
      6_000,
    );
  });
});

describe('templateProblem', () => {
  const problems: Array<[string, RegExp]> = [
    ['{{shout user.id}}', /unknown helper shout/],
    ['{{user.id', /Parse error/],
    ['{{#if user.id}}open', /if doesn't match|Parse error|Expecting/],
    ['{{constructor.constructor}}', /template reads "constructor", which is not allowed/],
    ['{{[__proto__]}}', /template reads "__proto__"/],
    ['{{@root.constructor}}', /template reads "constructor"/],
    ['{{user.properties.prototype}}', /template reads "prototype"/],
    ['{{lookup user "constructor"}}', /template reads "constructor"/],
    ['{{#each user.properties.tags}}{{lookup ../user "__proto__"}}{{/each}}', /template reads "__proto__"/],
    ['{{> secrets}}', /partials are not available/],
    ['{{#> layout}}x{{/layout}}', /partials are not available/],
    ['{{* decorate}}', /decorators are not available/],
    ['{{log user.id}}', /the log helper is not available/],
  ];
  for (const [source, reason] of problems) {
    it(`rejects ${source}`, () => assert.match(templateProblem(source) ?? 'compiled', reason));
  }

  for (const source of [
    'plain text',
    'Hi {{user.properties.name}}',
    '{{#each user.properties.tags}}{{this}}{{/each}}',
    '{{#unless user.properties.vip}}x{{/unless}}',
    '{{lookup user.properties.names event.properties.lang}}',
    'constructor and __proto__ as plain text',
  ]) {
    it(`accepts ${source}`, () => assert.equal(templateProblem(source), undefined));
  }

  it('reports a problem on a single line', () => {
    assert.doesNotMatch(templateProblem('{{user.id')!, /\n/);
  });
});

describe('templateLeaves', () => {
  it('lists every string leaf with its path', () => {
    const leaves = templateLeaves({
      method: 'POST',
      url: 'u',
      headers: { A: 'h' },
      query: { q: 'v' },
      body: { text: 't', list: [1, 's'], deep: { x: 'y' } },
    });
    assert.deepEqual(leaves, [
      ['url', 'u'],
      ['headers.A', 'h'],
      ['query.q', 'v'],
      ['body.text', 't'],
      ['body.list.1', 's'],
      ['body.deep.x', 'y'],
    ]);
  });
});

describe('readsUserProperties', () => {
  const body = (leaf: Json): RequestTemplate => ({
    method: 'POST',
    url: 'https://example.com/hook',
    body: { v: leaf },
  });
  const cases: Array<[source: string, reads: boolean]> = [
    ['{{event.id}} {{campaign.name}} {{journey.id}} {{steps.a.response.status}}', false],
    ['{{user.id}}', false],
    ['{{event.properties.items.0.sku}}', false],
    ['{{#each event.properties.items}}{{@index}}{{/each}}', false],
    ['{{lookup event.properties "sku"}}', false],
    ['{{user.properties.phone}}', true],
    ['{{user}}', true],
    ['{{#if user.properties.vip}}vip{{/if}}', true],
    ['{{#with user}}{{id}}{{/with}}', true],
    ['{{#each event.properties.items}}{{sku}}{{/each}}', true],
    ['{{#each event.properties.items}}{{../user.id}}{{/each}}', true],
    ['{{this}}', true],
    ['{{lookup this "user"}}', true],
    ['{{@root.user.properties.phone}}', true],
    ['{{json (lookup user "properties")}}', true],
    ['{{unclosed', true],
  ];
  for (const [source, reads] of cases) {
    it(`${reads ? 'may read' : 'does not read'} the profile: ${source}`, () =>
      assert.equal(readsUserProperties(body(source)), reads));
  }

  it('looks at every leaf: url, headers and query too', () => {
    assert.equal(readsUserProperties({ method: 'GET', url: 'https://x.test/{{user.properties.id}}' }), true);
    assert.equal(
      readsUserProperties({ method: 'GET', url: 'https://x.test/', headers: { A: '{{user.properties.a}}' } }),
      true,
    );
    assert.equal(readsUserProperties({ method: 'GET', url: 'https://x.test/', query: { q: '{{event.id}}' } }), false);
  });
});
