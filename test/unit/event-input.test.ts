import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { DEFAULT_PASS_POLICY } from '../../common/campaign-contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { DESGW_TRIGGER } from '../../common/search-attributes.js';
import { campaignStartOptions } from '../../client/event.js';
import {
  campaignInput,
  MAX_EXPOSURES_PER_ADD,
  parseExpnums,
  refuseStartOnlyFlags,
  startFlagsGiven,
  triggerIdProblem,
  type CampaignFlags,
} from '../../client/event-input.js';
import { UserError } from '../../client/runs.js';

const start: CampaignFlags = { triggerMjd: 60676.12, propid: '2024B-0001', season: 'auto', postProcessing: true };

/** Asserts `fn` refuses with a UserError (exit 64) on one line matching `pattern`. */
function refuses(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `a UserError, not ${String(err)}`);
    assert.equal(err.message.split('\n').length, 1, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('exposure numbers are read from each argument and from comma-separated lists, in order, each once', () => {
  assert.deepEqual(parseExpnums(['1210450', '1210451,1210452', '1210450']), [1210450, 1210451, 1210452]);
});

test('an exposure number that is not a whole number above 0 is refused, naming it', () => {
  refuses(() => parseExpnums(['1210450', '12x']), /^'12x' is not an exposure number/);
  refuses(() => parseExpnums(['0']), /^'0' is not an exposure number/);
  refuses(() => parseExpnums(['-5']), /^'-5' is not an exposure number/);
  refuses(() => parseExpnums([',']), /give at least one exposure number/);
});

test('an add takes at most as many exposures as the campaign takes in one Update', () => {
  const many = Array.from({ length: MAX_EXPOSURES_PER_ADD + 1 }, (_, i) => String(1210000 + i));
  refuses(() => parseExpnums(many), /at most 1000 an add, split them/);
  assert.equal(parseExpnums(many.slice(1)).length, MAX_EXPOSURES_PER_ADD);
});

test('a trigger id that cannot name a workflow is refused; the template GW170814 values too', () => {
  assert.equal(triggerIdProblem('S250101a'), undefined);
  assert.match(triggerIdProblem('bad id') ?? '', /^the trigger id 'bad id' must be letters, digits and _ \. -/);
  assert.match(triggerIdProblem('GW170814') ?? '', /template's GW170814 value/);
});

test('the start options make the eventCampaign input, post-processing in passes by default', () => {
  assert.deepEqual(campaignInput('S250101a', start), {
    triggerId: 'S250101a',
    triggerMjd: 60676.12,
    propid: '2024B-0001',
    season: 'auto',
    postProcessing: {},
  });
});

test('every start option reaches the input: watcher, rc, window, directories made absolute, the pass policy', () => {
  const input = campaignInput('S250101a', {
    ...start,
    season: 612,
    watchDatabase: true,
    set: { WRITEDB: 'on' },
    maxConcurrent: 3,
    gwWorkflowDir: 'gw_workflow',
    outputDir: 'out',
    postProcessingDir: 'Post-Processing',
    minCompleteCcds: 40,
    gridDeadlineHours: 6,
    passMinNew: 5,
    passGrowth: 0.5,
    passStaleMinutes: 30,
  });
  assert.equal(input.season, 612);
  assert.equal(input.watchDatabase, true);
  assert.deepEqual(input.rc, { WRITEDB: 'on' });
  assert.equal(input.maxConcurrent, 3);
  for (const dir of [input.gwWorkflowDir, input.outputDir, input.postProcessing?.postProcessingDir])
    assert.ok(dir && isAbsolute(dir), `${dir} is absolute`);
  assert.equal(input.postProcessing?.minCompleteCcds, 40);
  assert.equal(input.postProcessing?.gridDeadlineHours, 6);
  assert.deepEqual(input.postProcessing?.passPolicy, { minNew: 5, growth: 0.5, staleAfterMinutes: 30 });
  assert.deepEqual(Object.keys(input.postProcessing!.passPolicy!).sort(), Object.keys(DEFAULT_PASS_POLICY).sort());
});

test('--no-post-processing leaves post-processing out, and is refused beside a pass option', () => {
  assert.equal(campaignInput('S250101a', { ...start, postProcessing: false }).postProcessing, undefined);
  refuses(
    () => campaignInput('S250101a', { ...start, postProcessing: false, passMinNew: 3, postProcessingDir: 'pp' }),
    /^--post-processing-dir, --pass-min-new shape\(s\) the passes, and --no-post-processing runs none/,
  );
});

test('a start missing a trigger fact is refused naming each missing flag', () => {
  refuses(
    () => campaignInput('S250101a', { propid: '2024B-0001' }),
    /^starting the campaign of S250101a needs --trigger-mjd, --season/,
  );
});

test('trigger facts the campaign would refuse are refused by their flag: an MJD out of range, the template propid', () => {
  refuses(() => campaignInput('S250101a', { ...start, triggerMjd: -3 }), /^--trigger-mjd must be a number between 0/);
  refuses(
    () => campaignInput('S250101a', { ...start, propid: '2017B-0110' }),
    /^--propid 2017B-0110 is the template's/,
  );
});

test('an add is an Update-with-Start only when a start flag is given', () => {
  assert.equal(startFlagsGiven({ postProcessing: true, set: {} }), false);
  assert.equal(startFlagsGiven({ season: 'auto' }), true);
  assert.equal(startFlagsGiven({ propid: '2024B-0001' }), true);
});

test('an add without the start flags refuses options only a start reads (they would be ignored)', () => {
  refuseStartOnlyFlags('S250101a', { postProcessing: true, set: {} });
  refuses(
    () => refuseStartOnlyFlags('S250101a', { postProcessing: false, set: { WRITEDB: 'on' }, maxConcurrent: 2 }),
    /^--max-concurrent, --set, --no-post-processing: read only when a campaign starts/,
  );
});

test('the campaign starts as desgw-event-<TRIGGER> on the task queue, RejectDuplicate, with DesgwTrigger and a summary', () => {
  const o = campaignStartOptions(campaignInput('S250101a', start));
  assert.equal(o.workflowId, 'desgw-event-S250101a');
  assert.equal(o.taskQueue, TASK_QUEUE);
  assert.equal(o.workflowIdReusePolicy, WorkflowIdReusePolicy.REJECT_DUPLICATE);
  assert.deepEqual(o.typedSearchAttributes, [{ key: DESGW_TRIGGER, value: 'S250101a' }]);
  assert.match(
    o.staticSummary ?? '',
    /^DESGW event campaign S250101a: propid 2024B-0001, trigger MJD 60676\.12, season auto$/,
  );
});
