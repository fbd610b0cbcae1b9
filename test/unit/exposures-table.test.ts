import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExposuresTable, perBandLists } from '../../common/exposures-table.js';

const TEXT = `EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT
941225 20200304 58913.0512 124.5600 -32.1100 i 90.0 2019B-0372 object 0.81 DESGW: LIGO event S200224ca: 1 of 40
941231 20200304 58913.0901 125.0100 -31.9000 z 90.0 2019B-0372 object 0.65 DESGW: LIGO event S200224ca: 7 of 40
garbage line
`;

test('reads rows, OBJECT with its spaces, and skips unreadable lines', () => {
  const t = parseExposuresTable(TEXT);
  assert.equal(t.rows.size, 2);
  const r = t.rows.get(941225)!;
  assert.equal(r.band, 'i');
  assert.equal(r.nite, '20200304');
  assert.equal(r.teff, 0.81);
  assert.equal(r.object, 'DESGW: LIGO event S200224ca: 1 of 40');
  assert.deepEqual(t.skipped, [{ line: 4, reason: 'expected at least 10 columns, found 2' }]);
});

test('per-band lists hold the rows as written, without the header', () => {
  const lists = perBandLists(parseExposuresTable(TEXT));
  assert.deepEqual([...lists.keys()], ['i', 'z']);
  assert.equal(lists.get('z'), `${TEXT.split('\n')[2]}\n`);
});
