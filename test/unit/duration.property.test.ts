import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, MAX_DURATION_MS, parseDuration, parseOffset } from '../../src/domain/duration';

const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const unit = fc.constantFrom(...(Object.keys(UNITS) as Array<keyof typeof UNITS>));
const validDuration = fc
  .tuple(fc.integer({ min: 1, max: 999_999 }), unit)
  .filter(([n, u]) => n * UNITS[u] <= MAX_DURATION_MS)
  .map(([n, u]) => `${n}${u}`);

describe('durations (property-based)', () => {
  it('read "<n><unit>" as n units, up to 366 days, and nothing beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), unit, (n, u) => {
        const ms = n * UNITS[u];
        assert.equal(parseDuration(`${n}${u}`), n > 0 && ms <= MAX_DURATION_MS ? ms : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trip: a valid duration formats to text that reads back to the same time, in its largest unit', () => {
    fc.assert(
      fc.property(validDuration, (text) => {
        const ms = parseDuration(text)!;
        const formatted = formatDuration(ms);
        assert.ok(formatted, `${text} did not format`);
        assert.equal(parseDuration(formatted), ms);
        assert.ok(formatted.length <= text.length, `${formatted} is longer than ${text}`);
        assert.equal(formatDuration(parseDuration(formatted)!), formatted, 'the format is not canonical');
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trip: any whole number of milliseconds either formats to text that reads back exactly, or does not format', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -1_000, max: MAX_DURATION_MS + UNITS.w }),
          fc.integer({ min: 0, max: 60 * 24 * 400 }).map((min) => min * UNITS.m),
        ),
        (ms) => {
          const formatted = formatDuration(ms);
          if (formatted !== undefined) assert.equal(parseDuration(formatted), ms);
          else
            assert.ok(
              ms <= 0 || ms > MAX_DURATION_MS || ms % 1000 !== 0 || ms / 1000 > 999_999,
              `${ms} ms should format`,
            );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('read an offset as the duration, negated after a minus sign', () => {
    fc.assert(
      fc.property(validDuration, (text) => {
        assert.equal(parseOffset(text), parseDuration(text));
        assert.equal(parseOffset(`-${text}`), -parseDuration(text)!);
      }),
    );
  });

  it('refuse any text outside the grammar', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        if (!/^\d{1,6}[smhdw]$/.test(text)) assert.equal(parseDuration(text), undefined);
      }),
      { numRuns: 2000 },
    );
  });
});
