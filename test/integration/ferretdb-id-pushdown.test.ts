// The embedded FerretDB narrows to the named documents every filter that names _id: one value
// beside other conditions ({ _id, runId }), or an $in of ids; the _id index (tools/ferretdb
// id_index.go) then serves them. FerretDB 1.24 pushed down only a filter that is exactly
// { _id: value } and read the whole table for these (tools/ferretdb/patches). Explain says
// whether the filter was pushed down.
import { MongoClient, type Collection } from 'mongodb';
import assert from 'node:assert/strict';
import { mongoUriFor, uniqueId } from '../support/stack';

interface Doc {
  _id: string;
  runId: string;
}

interface Explained {
  filterPushdown?: boolean;
}

describe('the embedded FerretDB narrows filters naming _id to those documents', function () {
  let client: MongoClient;
  let docs: Collection<Doc>;
  const explain = async (filter: object): Promise<Explained> =>
    (await client
      .db(docs.dbName)
      .command({ explain: { find: docs.collectionName, filter }, verbosity: 'queryPlanner' })) as Explained;
  const pushedDown = async (filter: object) => (await explain(filter)).filterPushdown;
  const ids = async (filter: object) => (await docs.find(filter).toArray()).map((d) => d._id).sort();

  before(async function () {
    client = await new MongoClient(mongoUriFor(uniqueId('pushdown'))).connect();
    docs = client.db().collection<Doc>('docs');
    await docs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, runId: `r${i % 2}` })));
  });

  after(async function () {
    await client?.db().dropDatabase();
    await client?.close();
  });

  it('an $in of ids is narrowed to those documents, and finds each', async function () {
    const filter = { _id: { $in: ['d3', 'd7', 'missing'] } };
    assert.equal(await pushedDown(filter), true);
    assert.deepEqual(await ids(filter), ['d3', 'd7']);
  });

  it('an _id beside other conditions is narrowed to that document, and the other conditions still decide', async function () {
    assert.equal(await pushedDown({ _id: 'd3', runId: 'r1' }), true);
    assert.deepEqual(await ids({ _id: 'd3', runId: 'r1' }), ['d3']);
    assert.deepEqual(await ids({ _id: 'd3', runId: 'r0' }), []);
    const updated = await docs.updateOne({ _id: 'd4', runId: 'r1' }, { $set: { runId: 'x' } });
    assert.equal(updated.matchedCount, 0);
    assert.equal((await docs.findOne({ _id: 'd4' }))?.runId, 'r0');
  });

  it('ids of other types are not pushed down and are still answered', async function () {
    const filter = { _id: { $in: ['d5', 5] } };
    assert.equal(await pushedDown(filter), false);
    assert.deepEqual(await ids(filter), ['d5']);
    assert.deepEqual(await ids({ _id: { $in: [] } }), []);
  });
});
