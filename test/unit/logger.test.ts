import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

describe('the logger', () => {
  it('redacts keys, tokens, secrets and authorization headers, at the top level and one object down', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      'test',
      new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }),
    );
    const secrets = ['s-apikey', 's-key', 's-token', 's-auth', 's-secret', 's-signing', 's-nested-key', 's-header'];
    logger.info(
      {
        apiKey: secrets[0],
        key: secrets[1],
        token: secrets[2],
        authorization: secrets[3],
        secret: secrets[4],
        signingSecret: secrets[5],
        created: { key: secrets[6], id: 'key_visible' },
        headers: { authorization: `Bearer ${secrets[7]}` },
      },
      'a line with secrets',
    );
    const line = lines.join('');
    for (const secret of secrets) assert.ok(!line.includes(secret), `${secret} was logged`);
    assert.match(line, /key_visible/);
    assert.match(line, /\[redacted\]/);
  });

  it('hides every header value and the query values of a URL, at the top level and one object down', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      'test',
      new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }),
    );
    const headers = {
      'X-Auth': 's-x-auth',
      'X-Access': 's-x-access',
      'Api-Credential': 's-api-credential',
      'X-Session': 's-x-session',
    };
    logger.info(
      {
        headers,
        url: 'https://api.example.com/hook?token=s-query-token',
        destination: { headers, url: 'https://h.example/p?sig=s-sig&a=1' },
      },
      'a line',
    );
    const line = JSON.parse(lines.join(''));
    for (const secret of ['s-x-auth', 's-x-access', 's-api-credential', 's-x-session', 's-query-token', 's-sig']) {
      assert.ok(!JSON.stringify(line).includes(secret), `${secret} was logged`);
    }
    assert.deepEqual(Object.keys(line.headers), Object.keys(headers), 'header names stay visible');
    assert.equal(line.url, 'https://api.example.com/hook?token=[redacted]');
    assert.equal(line.destination.url, 'https://h.example/p?sig=[redacted]&a=[redacted]');
  });
});
