// The gateway answers 507 (the database's disk is full, send again later) rather than 500 when
// FerretDB refuses a write for want of space: found by the disk-full chaos scenario.
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { isDatabaseUnavailable, isDiskFull } from '../../src/gateway/http-errors';

const { MongoBulkWriteError, MongoServerError } = mongoose.mongo;
// FerretDB 1.24's message for SQLITE_FULL, as the chaos run logged it.
const FULL =
  '[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:167 fsql.(*DB).InTransaction] database or disk is full (13)';

describe('database disk full', function () {
  it('recognises FerretDB refusing a write for want of space, alone or in a bulk write', function () {
    assert.equal(isDiskFull(new MongoServerError({ message: FULL, code: 1 })), true);
    const bulk = new MongoBulkWriteError({ message: FULL, code: 1, writeErrors: [] } as never, {} as never);
    assert.equal(isDiskFull(bulk), true);
  });

  it('takes neither an outage nor another server error for a full disk', function () {
    assert.equal(isDiskFull(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 })), false);
    assert.equal(isDiskFull(new Error('database or disk is full')), false);
    assert.equal(isDatabaseUnavailable(new MongoServerError({ message: FULL, code: 1 })), false);
  });
});
