// docker-compose.yml publishes the gateway only: Temporal's frontend and Web UI have no
// authentication of their own, so they must not be reachable from other machines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

interface Service {
  ports?: string[];
  networks?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(path.join(__dirname, '../../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
};

describe('docker-compose.yml', () => {
  it('publishes only the gateway to every interface; anything else on loopback at most', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) {
        if (name === 'gateway') continue;
        assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} to every interface`);
      }
    }
    assert.deepEqual(compose.services.gateway.ports, ['3000:3000']);
  });

  it('keeps Temporal, its database and MongoDB on an internal network only', () => {
    assert.equal(compose.networks.internal?.internal, true);
    for (const name of ['temporal', 'postgresql', 'mongodb']) {
      assert.deepEqual(compose.services[name].networks, ['internal'], `${name} is on another network`);
      assert.equal(compose.services[name].ports, undefined, `${name} publishes a port`);
    }
  });

  it('makes the operator set the payload codec keys', () => {
    assert.match(compose.services.gateway.environment?.HOOKWAY_CODEC_KEYS ?? '', /^\$\{HOOKWAY_CODEC_KEYS:\?/);
  });

  it("points the Web UI at the gateway's codec path for it, whose secret the operator sets", () => {
    const secret = /\$\{HOOKWAY_CODEC_UI_SECRET:\?[^}]*\}/;
    assert.match(compose.services.gateway.environment?.HOOKWAY_CODEC_UI_SECRET ?? '', new RegExp(`^${secret.source}$`));
    const endpoint = compose.services['temporal-ui'].environment?.TEMPORAL_CODEC_ENDPOINT ?? '';
    assert.match(endpoint, new RegExp(`^http://127\\.0\\.0\\.1:3000/codec/ui/${secret.source}$`));
  });
});
