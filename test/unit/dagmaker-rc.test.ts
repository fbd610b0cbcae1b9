import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import {
  RC_KEYS,
  RcValueError,
  rcValue,
  effectiveRcValue,
  bashQuote,
  renderRcDiff,
  rewriteRc,
  validateRcSettings,
} from '../../common/dagmaker-rc.js';

const SITE_RC = `# dagmaker.rc for gw_workflow
SEASON=2206
RNUM=4
PNUM=01   # SE processing version
WRITEDB=off
JOBSUB_OPTS="--memory=3000MB --expected-lifetime=medium"
TEFF_CUT_g=0.2
#MIN_NITE=20130921
#MAX_NITE=20200101
SKIP_INCOMPLETE_SE=true
`;

test('accepts values of each form and returns them as strings', () => {
  const condor = `--append_condor_requirements='(TARGET.GLIDEIN_Site==\\"FermiGrid\\"||(TARGET.HAS_CVMFS_des_opensciencegrid_org==true&&TARGET.HAS_CVMFS_des_osgstorage_org==true))'`;
  assert.equal(validateRcSettings({ JOBSUB_OPTS: condor }).JOBSUB_OPTS, condor);
  const v = validateRcSettings({
    WRITEDB: 'on',
    TEFF_CUT_g: 0.25,
    RM_MYTEMP: true,
    MIN_NITE: '20231001',
    PNUM: '01',
    JOBSUB_OPTS: '--memory=4000MB --cpu=2',
    RESOURCES: 'DEDICATED,OPPORTUNISTIC',
  });
  assert.deepEqual(v, {
    WRITEDB: 'on',
    TEFF_CUT_g: '0.25',
    RM_MYTEMP: 'true',
    MIN_NITE: '20231001',
    PNUM: '01',
    JOBSUB_OPTS: '--memory=4000MB --cpu=2',
    RESOURCES: 'DEDICATED,OPPORTUNISTIC',
  });
});

test('refuses unknown keys, SEASON, wrong forms and shell syntax, naming each key', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ WRTEDB: 'off' }, /rc key 'WRTEDB' is not a dagmaker.rc key/],
    [{ SEASON: '612' }, /rc key 'SEASON' is set by the run itself/],
    [{ WRITEDB: 'yes' }, /rc key 'WRITEDB': 'yes' is not on or off/],
    [{ TEFF_CUT_i: '1.5' }, /rc key 'TEFF_CUT_i': '1.5' is not a number from 0 to 1/],
    [{ MIN_NITE: '20231301' }, /rc key 'MIN_NITE'/],
    [{ DO_HEADER_CHECK: 'true' }, /rc key 'DO_HEADER_CHECK': 'true' is not 0 or 1/],
    [{ SCHEMA: 'gw;ls' }, /rc key 'SCHEMA'/],
    [{ JOBSUB_OPTS: '--cpu=1 $(touch /tmp/x)' }, /rc key 'JOBSUB_OPTS'/],
    [{ JOBSUB_OPTS: '--cpu=1 `id`' }, /rc key 'JOBSUB_OPTS'/],
    [{ SEARCH_OPTS: '-C; rm -rf ~' }, /rc key 'SEARCH_OPTS'/],
    [{ TEMP_OPTS: '-C\n-t' }, /rc key 'TEMP_OPTS'/],
    [{ RESOURCES: 'A > /etc/passwd' }, /rc key 'RESOURCES'/],
    [{ JOBSUB_OPTS: '--cpu=1 <(id)' }, /rc key 'JOBSUB_OPTS'/],
    [{ RNUM: { nested: 1 } }, /rc key 'RNUM': value must be a string/],
  ];
  for (const [rc, re] of cases) {
    assert.throws(
      () => validateRcSettings(rc),
      (err: unknown) => err instanceof RcValueError && re.test(err.message),
      JSON.stringify(rc),
    );
  }
});

test('reports every bad key at once', () => {
  assert.throws(
    () => validateRcSettings({ WRITEDB: 'x', RNUM: 'y' }),
    (err: unknown) => err instanceof RcValueError && err.problems.length === 2,
  );
});

test('every key of the table has a form that refuses shell syntax', () => {
  for (const [key, form] of Object.entries(RC_KEYS)) {
    for (const bad of ['$(id)', '`id`', 'a;b', 'a\nb'])
      assert.equal(form.test(bad), false, `${key} accepted ${JSON.stringify(bad)}`);
  }
});

test('rewrite sets keys in place, keeps comments and order, uncomments, appends', () => {
  const { text, changes } = rewriteRc(SITE_RC, {
    SEASON: '612',
    PNUM: '02',
    MIN_NITE: '20231001',
    WRITEDB: 'on',
    TWINDOW: '30',
  });
  assert.equal(
    text,
    `# dagmaker.rc for gw_workflow
SEASON='612'
RNUM=4
PNUM='02'   # SE processing version
WRITEDB='on'
JOBSUB_OPTS="--memory=3000MB --expected-lifetime=medium"
TEFF_CUT_g=0.2
MIN_NITE='20231001'
#MAX_NITE=20200101
SKIP_INCOMPLETE_SE=true
TWINDOW='30'
`,
  );
  assert.deepEqual(
    changes.map((c) => [c.key, c.line, c.before]),
    [
      ['SEASON', 2, 'SEASON=2206'],
      ['PNUM', 4, 'PNUM=01   # SE processing version'],
      ['MIN_NITE', 8, '#MIN_NITE=20130921'],
      ['WRITEDB', 5, 'WRITEDB=off'],
      ['TWINDOW', 11, null],
    ],
  );
  assert.match(
    renderRcDiff(changes, 'a', 'b'),
    /@@ line 8 \(MIN_NITE\) @@\n-#MIN_NITE=20130921\n\+MIN_NITE='20231001'/,
  );
});

test('every active assignment of a key is set (bash uses the last)', () => {
  const { text } = rewriteRc('WRITEDB=off\nX=1\nexport WRITEDB=on\n', { WRITEDB: 'off' });
  assert.equal(text, "WRITEDB='off'\nX=1\nWRITEDB='off'\n");
});

test('bash reads quoted values literally: nothing in them executes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rc-quote-'));
  const canary = join(dir, 'canary');
  const hostile = [
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `'; touch ${canary}; '`,
    `a"b'c\\d`,
    '${HOME} $HOME',
    `x\ntouch ${canary}`,
  ];
  const rc = hostile.map((v, i) => `V${i}=${bashQuote(v)}`).join('\n') + '\n';
  await writeFile(join(dir, 'dagmaker.rc'), rc);
  const printAll = hostile.map((_, i) => `printf '%s\\0' "$V${i}"`).join('; ');
  const r = await execa('bash', ['-c', `source ./dagmaker.rc; ${printAll}`], { cwd: dir });
  assert.deepEqual(r.stdout.split('\0').slice(0, hostile.length), hostile);
  assert.equal(existsSync(canary), false, 'a value executed when sourced');
});

test('rcValue: the value sourcing the file gives a key, quotes removed; null when no active line sets it', () => {
  assert.equal(rcValue(SITE_RC, 'SEASON'), '2206');
  assert.equal(rcValue("SEASON=1\nexport SEASON='612' # this run\n", 'SEASON'), '612');
  assert.equal(rcValue('SEASON="613"\n', 'SEASON'), '613');
  assert.equal(rcValue('#SEASON=614\n', 'SEASON'), null);
  assert.equal(rcValue('RNUM=4\n', 'SEASON'), null);
});

test("effectiveRcValue: the run's setting, else the site's dagmaker.rc, else DAGMaker's default (WRITEDB off, DESTCACHE persistent, SCHEMA gw)", () => {
  assert.deepEqual(effectiveRcValue('WRITEDB=off\n', { WRITEDB: 'on' }, 'WRITEDB'), { value: 'on', from: 'run' });
  assert.deepEqual(effectiveRcValue('WRITEDB="on"\n', {}, 'WRITEDB'), { value: 'on', from: 'dagmaker.rc' });
  assert.deepEqual(effectiveRcValue('#WRITEDB=on\nRNUM=4\n', {}, 'WRITEDB'), { value: 'off', from: 'default' });
  assert.deepEqual(effectiveRcValue('', {}, 'DESTCACHE'), { value: 'persistent', from: 'default' });
  assert.deepEqual(effectiveRcValue('SCHEMA="wsdiff"\n', {}, 'SCHEMA'), { value: 'wsdiff', from: 'dagmaker.rc' });
});
