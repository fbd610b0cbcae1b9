import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dagMakerWarnings } from '../../common/classify.js';
import {
  DAGMAKER_WARNINGS,
  knownWarnings,
  mainWarning,
  reasonWithWarning,
  warningNote,
  warningsBesideNote,
  warningsInManifest,
} from '../../common/dagmaker-warnings.js';

const DAGMAKER_OUTPUT =
  'There appear to be no templates for this exposure 941238.\nNO TEMPLATE IMAGES, DIFFIMG WILL FAIL\nTo submit this DAG do\n';
const BOTH = dagMakerWarnings(DAGMAKER_OUTPUT);

test('every warning classify.ts finds is a known warning', () => {
  assert.deepEqual([...BOTH].sort(), Object.values(DAGMAKER_WARNINGS).sort());
  assert.deepEqual(knownWarnings(BOTH), [DAGMAKER_WARNINGS.noTemplateImages, DAGMAKER_WARNINGS.noTemplates]);
});

test('any other text is not a known warning', () => {
  assert.deepEqual(knownWarnings(['rm -rf ~', 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL; echo', 42]), []);
  assert.deepEqual(knownWarnings('NO TEMPLATE IMAGES, DIFFIMG WILL FAIL'), []);
  assert.deepEqual(knownWarnings(undefined), []);
});

test('the warning that says most is the one foretelling a failure', () => {
  assert.equal(mainWarning(BOTH), 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL');
  assert.equal(mainWarning(['no templates for this exposure']), 'no templates for this exposure');
  assert.equal(mainWarning([]), undefined);
});

test('the note beside a status is short: the main warning, clipped', () => {
  assert.equal(warningNote(BOTH), 'warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL');
  assert.equal(warningNote([]), undefined);
  assert.equal(warningNote(undefined), undefined);
  assert.equal(warningNote(['abcdefghij'], 5), 'warning: abcd…');
  assert.deepEqual(warningsBesideNote(BOTH), ['no templates for this exposure']);
  assert.deepEqual(warningsBesideNote(['abcdefghij'], 5), ['abcdefghij'], 'a clipped warning is kept whole beside');
});

test("a failed verdict's reason starts by pointing back to DAGMaker's warning; a passed one is left alone", () => {
  const reason = '0/59 complete, 59 failed (RUN05 expose_makeWeight ×59), 0 incomplete: fails (needs ≥ 50)';
  assert.equal(
    reasonWithWarning(reason, false, BOTH),
    `DAGMaker warned: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL; ${reason}`,
  );
  assert.equal(reasonWithWarning(reason, true, BOTH), reason);
  assert.equal(reasonWithWarning(reason, false, undefined), reason);
  assert.equal(reasonWithWarning(reason, false, []), reason);
});

test("a run's manifest gives the known warnings of its exposures, only for its own season", () => {
  const manifest = {
    season: 2206,
    exposures: [
      { expnum: 941225, warnings: [] },
      { expnum: 941238, warnings: BOTH },
      { expnum: 941239, warnings: ['made up'] },
      { expnum: '941240', warnings: BOTH },
    ],
  };
  assert.deepEqual([...warningsInManifest(manifest, 2206)], [[941238, knownWarnings(BOTH)]]);
  assert.equal(warningsInManifest(manifest, 2208).size, 0, "another season's run");
  assert.equal(warningsInManifest(null, 2206).size, 0);
  assert.equal(warningsInManifest({ season: 2206, exposures: 'x' }, 2206).size, 0);
  assert.equal(warningsInManifest([1, 2], 2206).size, 0);
});
