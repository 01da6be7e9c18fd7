// The gateway answers 503 (nothing stored, retry) rather than 500 whenever the database cannot
// be reached, also when the failing call was a bulk write: found by the chaos run (FerretDB
// stopped while events arrived).
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { isDatabaseUnavailable } from '../../src/gateway/http-errors';

// The driver's own error classes, as mongoose ships it.
const { MongoBulkWriteError, MongoNetworkError, MongoServerError, MongoServerSelectionError } = mongoose.mongo;

describe('database unavailable', function () {
  it('recognises a bulk write that failed on the network', function () {
    const bulk = new MongoBulkWriteError(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017'), {} as never);
    assert.equal(isDatabaseUnavailable(bulk), true);
    const unreachable = new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017', {} as never);
    assert.equal(isDatabaseUnavailable(new MongoBulkWriteError(unreachable, {} as never)), true);
    assert.equal(isDatabaseUnavailable(new MongoNetworkError('connection 15 to 127.0.0.1:27017 closed')), true);
  });

  it('recognises FerretDB waiting too long for its SQLite file lock', function () {
    const busy = '[collection.go:135 sqlite.(*collection).InsertAll.func1] database is locked (5) (SQLITE_BUSY)';
    assert.equal(isDatabaseUnavailable(new MongoServerError({ message: busy, code: 1 })), true);
    assert.equal(
      isDatabaseUnavailable(new MongoBulkWriteError({ message: busy, code: 1, writeErrors: [] } as never, {} as never)),
      true,
    );
  });

  it('does not take a write the server refused for an outage', function () {
    const refused = new MongoBulkWriteError(
      { message: 'E11000 duplicate key', code: 11000, writeErrors: [] } as never,
      {} as never,
    );
    assert.equal(isDatabaseUnavailable(refused), false);
    assert.equal(isDatabaseUnavailable(new MongoServerError({ message: 'bad', code: 2 })), false);
    assert.equal(isDatabaseUnavailable(new Error('anything else')), false);
  });
});
