import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admissionOf,
  dateOfMjd,
  exposureListLine,
  mjdOf,
  nightOf,
  POSTPROC_PROGRAMS,
  type ExposureRow,
} from '../../common/exposure-admission.js';
import { parseExposuresTable } from '../../common/exposures-table.js';
import { passwordIn } from '../../activities/support/pgpass.js';

/** Exposure 941225 of the sandbox's exposures.list (gen-exposures.sh), as SISPI's table would give it. */
const ROW: ExposureRow = {
  expnum: 941225,
  date: dateOfMjd(58913.02),
  nite: '20200304',
  mjd: 58913.02,
  ra: 173.2,
  dec: -8.4,
  band: 'i',
  exptime: 90,
  propid: '2020A-0372',
  flavor: 'object',
  program: 'des gw',
  object: 'DESGW: LIGO event S200224ca: 1 of 16',
  teff: 0.5,
  discard: false,
  delivered: true,
};
const SEL = { propid: '2020A-0372', triggerMjd: 58912.5 };

test('an object exposure of the propid, 90 s, pointed, after the trigger, of a kept program is accepted without a warning', () => {
  assert.deepEqual(admissionOf(ROW, SEL), { verdict: 'accept' });
});

test('each refusal names the field and its value', () => {
  const cases: [Partial<ExposureRow>, RegExp][] = [
    [{ propid: '2020A-0999' }, /propid is 2020A-0999, not the campaign's 2020A-0372/],
    [{ flavor: 'zero' }, /flavor is zero, not object/],
    [{ exptime: 29.999 }, /exptime is 29.999 s/],
    [{ exptime: 15 }, /exptime is 15 s/],
    [{ discard: true }, /discard is true/],
    [{ ra: null }, /ra is NULL/],
    [{ mjd: 58912.4, date: dateOfMjd(58912.4) }, /is not after the trigger \(MJD 58912.5\)/],
  ];
  for (const [change, reason] of cases) {
    const a = admissionOf({ ...ROW, ...change }, SEL);
    assert.equal(a.verdict, 'refuse', JSON.stringify(change));
    assert.match((a as { reason: string }).reason, reason);
    assert.match((a as { reason: string }).reason, /^exposure 941225: /);
  }
});

test('the 29.999 rule: 30 s is long enough, as for getExposureInfo.py (exptime > 29.999)', () => {
  assert.equal(admissionOf({ ...ROW, exptime: 30 }, SEL).verdict, 'accept');
  assert.equal(admissionOf({ ...ROW, exptime: 29.9991 }, SEL).verdict, 'accept');
});

test('an exposure of a program post-processing does not keep is accepted with a warning naming it', () => {
  const a = admissionOf({ ...ROW, program: 'DECaLS' }, SEL);
  assert.equal(a.verdict, 'accept');
  assert.match((a as { warning: string }).warning, /program is 'DECaLS', which post-processing does not keep/);
  for (const program of POSTPROC_PROGRAMS)
    assert.deepEqual(admissionOf({ ...ROW, program }, SEL), { verdict: 'accept' });
  assert.equal(POSTPROC_PROGRAMS.length, 6);
});

test('NITE is the UTC date of the shutter opening less 12 hours', () => {
  assert.equal(nightOf('2020-03-05T00:28:48Z'), '20200304');
  assert.equal(nightOf('2020-03-05T11:59:59.999Z'), '20200304');
  assert.equal(nightOf('2020-03-05T12:00:00Z'), '20200305');
  assert.equal(nightOf('2020-03-04T23:00:00-03:00'), '20200304'); // Chile, 02:00 UTC
});

test('MJD of a time, and back', () => {
  assert.equal(mjdOf('1970-01-01T00:00:00Z'), 40587);
  assert.ok(Math.abs(mjdOf('2020-03-05T00:28:48Z') - 58913.02) < 1e-9);
  assert.equal(dateOfMjd(58913.02), '2020-03-05T00:28:48.000Z');
  assert.equal(nightOf(ROW.date), ROW.nite);
});

test("exposureListLine writes the row exactly as the sandbox's exposures.list holds it, and DAGMaker's reader reads it back", () => {
  const line = exposureListLine(ROW);
  assert.equal(
    line,
    '941225 20200304 58913.02000 173.200000 -8.400000 i 90 2020A-0372 object 0.50 DESGW: LIGO event S200224ca: 1 of 16',
  );
  const parsed = parseExposuresTable(
    `EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT\n${line}\n`,
  );
  const r = parsed.rows.get(941225)!;
  assert.equal(r.band, 'i');
  assert.equal(r.object, ROW.object);
});

test('a NULL t_eff is written NaN (DAGMaker skips such templates), and every column but OBJECT stays one word', () => {
  const line = exposureListLine({
    ...ROW,
    teff: null,
    exptime: 29.999000549316406,
    propid: '2020A 0372',
    object: 'two\nlines\tand  tabs',
  });
  assert.equal(
    line,
    '941225 20200304 58913.02000 173.200000 -8.400000 i 29.999 2020A_0372 object NaN two lines and tabs',
  );
  assert.equal(exposureListLine({ ...ROW, object: '' }).split(' ').length, 10);
});

test('the password file: first matching line, * wildcards, escaped colons', () => {
  const text = '# comment\nother:5432:*:*:nope\n127.0.0.1:5433:decam_prd:decam_reader:s\\:cret:x\n*:*:*:*:fallback\n';
  const key = { host: '127.0.0.1', port: 5433, database: 'decam_prd', user: 'decam_reader' };
  assert.equal(passwordIn(text, key), 's:cret:x');
  assert.equal(passwordIn(text, { ...key, port: 1 }), 'fallback');
  assert.equal(passwordIn('a:b:c\n', key), undefined);
});
