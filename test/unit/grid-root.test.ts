import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridRoot, gridWaitNote, pnfsMountOf } from '../../common/grid-root.js';

test("the grid root is /pnfs/des/${DESTCACHE}/${SCHEMA} from the run's dagmaker.rc, under the mount DESGW_PNFS_ROOT shows or DESGW_PNFS_MOUNT names", () => {
  assert.equal(pnfsMountOf('/pnfs/des/persistent/gw'), '/pnfs');
  assert.equal(pnfsMountOf('/tmp/site/pnfs/des/persistent/gw/'), '/tmp/site/pnfs');
  assert.equal(pnfsMountOf('/data/grid-results'), null);
  const legacy = { pnfsRoot: '/pnfs/des/persistent/gw' };
  assert.equal(gridRoot(legacy, 'persistent', 'gw'), '/pnfs/des/persistent/gw', 'the default run: as before');
  assert.equal(gridRoot(legacy, 'scratch', 'wsdiff'), '/pnfs/des/scratch/wsdiff');
  assert.equal(
    gridRoot({ pnfsRoot: '/data/grid-results' }, 'scratch', 'gw'),
    '/data/grid-results',
    'no mount known: as set',
  );
  assert.equal(
    gridRoot({ pnfsRoot: '/data/grid-results', pnfsMount: '/mnt/pnfs/' }, 'scratch', 'gw'),
    '/mnt/pnfs/des/scratch/gw',
  );
  assert.equal(gridRoot(legacy, '../x', 'gw'), '/pnfs/des/persistent/gw', 'never a path out of the mount');
});

test('the wait says what can end it when RUNEND may never come: no job id or no environment means the deadline; an old RUNEND is not counted', () => {
  assert.equal(gridWaitNote([{ expnum: 1, jobId: 'j' }], true), '');
  assert.match(
    gridWaitNote([{ expnum: 1297760 }, { expnum: 1297761, jobId: 'j' }], true),
    /^ \(1297760: no job id to ask jobsub_q with, so if its DAG ends without RUNEND \(no templates, a failed search node\) only the deadline ends the wait\)$/,
  );
  assert.match(
    gridWaitNote(
      [
        { expnum: 1, jobId: 'j' },
        { expnum: 2, jobId: 'k' },
      ],
      false,
    ),
    /^ \(1, 2: no run environment .* if their DAGs end without RUNEND/,
  );
  assert.match(
    gridWaitNote([{ expnum: 3, jobId: 'j' }], true, [3]),
    /^ \(3: a RUNEND older than this run's submission \(an earlier DAG's\) is not counted\)$/,
  );
});
