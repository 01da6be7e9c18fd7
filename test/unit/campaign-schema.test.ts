import assert from 'node:assert/strict';
import { campaignSchema } from '../../src/domain/campaign';

/** A campaign a marketer could save; each test changes one thing. */
function campaign(): any {
  return {
    id: 'price-drop',
    name: 'Price drop',
    trigger: { event: 'price_dropped', where: { field: 'event.properties.dropPercent', op: 'gte', value: 10 } },
    audience: { field: 'user.properties.tier', op: 'eq', value: 'gold' },
    steps: [
      { id: 'wait', type: 'delay', duration: '2h' },
      {
        id: 'notify',
        type: 'webhook',
        request: {
          url: 'https://hooks.example.com/{{user.id}}',
          headers: { 'X-Tier': '{{user.properties.tier}}' },
          query: { sku: '{{event.properties.sku}}' },
          body: { text: 'Hi {{user.properties.name}}', drop: '{{event.properties.dropPercent}}', lines: ['a', 'b'] },
        },
      },
    ],
  };
}

/** Each issue as "path: message". */
function issues(input: unknown): string[] {
  const result = campaignSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the campaign to be rejected');
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

function changed(edit: (c: any) => void): unknown {
  const c = campaign();
  edit(c);
  return c;
}

describe('campaignSchema', () => {
  for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'javascript:alert(1)', '{{user.properties.url}}']) {
    it(`refuses the webhook url "${url}", naming the field`, () => {
      assert.deepEqual(issues(changed((c) => (c.steps[1].request.url = url))), [
        'steps.1.request.url: must start with http:// or https:// (other schemes and a templated scheme are not allowed)',
      ]);
    });
  }

  it('refuses a literal credential header in a step and points to destinations', () => {
    const found = issues(
      changed(
        (c) => (c.steps[1].request.headers = { Authorization: 'Bearer sk_live_1', 'X-Api-Key': 'k', 'X-Tier': 'gold' }),
      ),
    );
    assert.equal(found.length, 2);
    assert.match(
      found[0],
      /^steps\.1\.request\.headers\.Authorization: looks like a credential; put it in a destination/,
    );
    assert.match(found[1], /^steps\.1\.request\.headers\.X-Api-Key: looks like a credential/);
  });

  it('accepts a credential-named header whose value is read from the user', () => {
    assert.equal(
      campaignSchema.safeParse(
        changed((c) => (c.steps[1].request.headers = { 'X-Device-Token': '{{user.properties.pushToken}}' })),
      ).success,
      true,
    );
  });

  it('accepts a complete campaign and defaults the method to POST', () => {
    const parsed = campaignSchema.parse(campaign());
    const step = parsed.steps[1];
    assert.equal(step.type, 'webhook');
    assert.equal(step.type === 'webhook' && step.request.method, 'POST');
  });

  const templateCases: Array<[string, (c: any) => void, string, RegExp]> = [
    [
      'an unknown helper in the body',
      (c) => {
        c.steps[1].request.body.text = '{{shout user.id}}';
      },
      'steps.1.request.body.text',
      /unknown helper shout/,
    ],
    [
      'bad syntax in the body',
      (c) => {
        c.steps[1].request.body.text = 'Hi {{user.id';
      },
      'steps.1.request.body.text',
      /Parse error/,
    ],
    [
      'bad syntax in a body array item',
      (c) => {
        c.steps[1].request.body.lines[1] = '{{#if x}}';
      },
      'steps.1.request.body.lines.1',
      /./,
    ],
    [
      'an unknown helper in a header',
      (c) => {
        c.steps[1].request.headers['X-Tier'] = '{{upper user.id}}';
      },
      'steps.1.request.headers.X-Tier',
      /unknown helper upper/,
    ],
    [
      'an unknown helper in the query',
      (c) => {
        c.steps[1].request.query.sku = '{{json event}}';
      },
      'steps.1.request.query.sku',
      /unknown helper json/,
    ],
    [
      'bad syntax in the URL',
      (c) => {
        c.steps[1].request.url = 'https://x.example/{{user.id';
      },
      'steps.1.request.url',
      /Parse error/,
    ],
  ];
  for (const [name, edit, path, reason] of templateCases) {
    it(`rejects ${name} at ${path}`, () => {
      const found = issues(changed(edit));
      assert.equal(found.length, 1, found.join('\n'));
      assert.ok(found[0].startsWith(`${path}: template does not compile: `), found[0]);
      assert.match(found[0], reason);
    });
  }

  it('rejects a step id used by an earlier step', () => {
    assert.deepEqual(
      issues(
        changed((c) => {
          c.steps[1].id = 'wait';
        }),
      ),
      ['steps.1.id: "wait" is used by an earlier step'],
    );
  });

  it('reports every reused step id, beside other mistakes', () => {
    const found = issues(
      changed((c) => {
        c.name = '  ';
        c.steps.push({ id: 'wait', type: 'delay', duration: '30s' }, { id: 'notify', type: 'delay', duration: '1m' });
      }),
    );
    assert.deepEqual(found, [
      'name: must not be empty',
      'steps.2.id: "wait" is used by an earlier step',
      'steps.3.id: "notify" is used by an earlier step',
    ]);
  });

  it('reports a body that is no object, rather than crashing the campaign-wide checks on it', () => {
    assert.ok(issues([[1, 2], [3]]).length > 0);
  });

  it('reports a trigger filter that is no condition, rather than crashing the campaign-wide checks on it', () => {
    const found = issues(
      changed((c) => {
        c.trigger.where = {};
        c.steps.push({ id: 'wait', type: 'delay', duration: '30s' });
      }),
    );
    assert.ok(found.length > 0 && found.every((issue) => issue.startsWith('trigger.where')), found.join('; '));
  });

  const whereCases: Array<[string, unknown, string]> = [
    ['a user property', { field: 'user.properties.tier', op: 'eq', value: 'gold' }, 'user.properties.tier'],
    [
      'the user id inside a group',
      {
        all: [{ field: 'event.name', op: 'exists', value: true }, { not: { field: 'user.id', op: 'eq', value: 'u1' } }],
      },
      'user.id',
    ],
    ['a campaign field', { field: 'campaign.id', op: 'eq', value: 'x' }, 'campaign.id'],
  ];
  for (const [name, where, field] of whereCases) {
    it(`rejects a trigger where that reads ${name}`, () => {
      assert.deepEqual(
        issues(
          changed((c) => {
            c.trigger.where = where;
          }),
        ),
        [`trigger.where: may only read event fields; conditions on "${field}" belong in the audience or a branch`],
      );
    });
  }

  it('accepts user fields in the audience', () => {
    assert.equal(
      campaignSchema.safeParse(
        changed((c) => {
          c.audience = { field: 'user.properties.age', op: 'gte', value: 18 };
        }),
      ).success,
      true,
    );
  });

  const shapeCases: Array<[string, (c: any) => void, string]> = [
    [
      'no steps',
      (c) => {
        c.steps = [];
      },
      'steps: must hold at least one step',
    ],
    [
      '101 steps',
      (c) => {
        c.steps = Array.from({ length: 101 }, (_, i) => ({ id: `s${i}`, type: 'delay', duration: '1m' }));
      },
      'steps: must hold at most 100 steps',
    ],
    [
      'a delay of 400d',
      (c) => {
        c.steps[0].duration = '400d';
      },
      'steps.0.duration: must be a duration such as 30s, 15m, 2h or 7d, at most 366d',
    ],
    [
      'a step id starting with a digit',
      (c) => {
        c.steps[0].id = '1st';
      },
      'steps.0.id: must be 1–64 letters, digits, "-" or "_", starting with a letter',
    ],
    [
      'a campaign id with a space',
      (c) => {
        c.id = 'price drop';
      },
      'id: must be 1–64 letters, digits, "-" or "_", starting with a letter or digit',
    ],
    [
      'a bad trigger event name',
      (c) => {
        c.trigger.event = 'price dropped';
      },
      'trigger.event: must be 1–128 letters, digits or "_.:-", such as price_dropped',
    ],
    [
      'an unknown top-level key',
      (c) => {
        c.owner = 'me';
      },
      ': Unrecognized key: "owner"',
    ],
  ];
  for (const [name, edit, expected] of shapeCases) {
    it(`rejects ${name}`, () => assert.deepEqual(issues(changed(edit)), [expected]));
  }

  it('rejects an unknown step type and an unknown HTTP method at their paths', () => {
    assert.deepEqual(
      issues(
        changed((c) => {
          c.steps[0].type = 'email';
        }),
      ).map((i) => i.split(':')[0]),
      ['steps.0.type'],
    );
    assert.deepEqual(
      issues(
        changed((c) => {
          c.steps[1].request.method = 'TRACE';
        }),
      ).map((i) => i.split(':')[0]),
      ['steps.1.request.method'],
    );
  });

  it('rejects a header name with a space', () => {
    assert.deepEqual(
      issues(
        changed((c) => {
          c.steps[1].request.headers = { 'X Tier': 'x' };
        }),
      ).map((i) => i.split(':')[0]),
      ['steps.1.request.headers.X Tier'],
    );
  });

  it('rejects a body larger than 64 KiB', () => {
    assert.deepEqual(
      issues(
        changed((c) => {
          c.steps[1].request.body = { text: 'x'.repeat(70_000) };
        }),
      ),
      ['steps.1.request.body: must be at most 65536 bytes as JSON'],
    );
  });
});
