/**
 * `desgw event` refuses a bad command line before it asks any server: one line on stderr, exit
 * 64. Run as a person runs it (its own process), against an address where no server listens, so
 * that a check that reached for the server would fail otherwise (exit 2), not pass by luck.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../../workers/config.js';

const desgw = (args: string[]) =>
  execa('node', [join(REPO_ROOT, 'dist', 'client', 'desgw.js'), 'event', ...args], {
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
    reject: false,
  });

const START = ['--trigger-mjd', '60676.12', '--propid', '2024B-0001', '--season', 'auto'];

const USAGE_ERRORS: [string, string[], RegExp][] = [
  ['start without its required options', ['start', 'S250101a'], /required option '--trigger-mjd <mjd>' not specified/],
  [
    'start with a season that is neither auto nor a number',
    ['start', 'S250101a', ...START.slice(0, 4), '--season', 'next'],
    /--season.*use "auto" or a season number/,
  ],
  [
    'a trigger id that cannot name a workflow',
    ['start', 'S2501 01a', ...START],
    /the trigger id 'S2501 01a' must be letters, digits/,
  ],
  ["the template's GW170814 trigger", ['start', 'GW170814', ...START], /template's GW170814 value/],
  [
    'an MJD out of range',
    ['start', 'S250101a', '--trigger-mjd', '0', '--propid', '2024B-0001', '--season', 'auto'],
    /--trigger-mjd must be a number between 0 and 100000/,
  ],
  [
    'pass options with --no-post-processing',
    ['start', 'S250101a', ...START, '--no-post-processing', '--pass-min-new', '3'],
    /--pass-min-new shape\(s\) the passes, and --no-post-processing runs none/,
  ],
  [
    'a pass growth of 0',
    ['start', 'S250101a', ...START, '--pass-growth', '0'],
    /--pass-growth <f>' argument '0' is invalid\. use a number above 0/,
  ],
  ['add without exposures', ['add', 'S250101a'], /missing required argument 'expnum'/],
  [
    'add with something not an exposure number',
    ['add', 'S250101a', '1210450', '12x'],
    /'12x' is not an exposure number/,
  ],
  [
    'add with a start option only',
    ['add', 'S250101a', '1210450', '--propid', '2024B-0001'],
    /starting the campaign of S250101a needs --trigger-mjd, --season/,
  ],
  [
    'add with an option only a start reads',
    ['add', 'S250101a', '1210450', '--max-concurrent', '3'],
    /--max-concurrent: read only when a campaign starts/,
  ],
  ['status without a trigger', ['status'], /missing required argument 'trigger'/],
  ['a near miss of an option', ['close', 'S250101a', '--wiat'], /unknown option '--wiat' \(Did you mean --wait\?\)/],
  ['an unknown subcommand', ['stats', 'S250101a'], /unknown command 'stats'/],
];

for (const [what, args, message] of USAGE_ERRORS) {
  test(`desgw event: ${what} is one line, exit 64, before any server is asked`, async () => {
    const r = await desgw(args);
    assert.equal(r.exitCode, 64, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^desgw: /);
    assert.match(r.stderr, message);
  });
}

test('desgw event --help lists the five commands, and each command its examples and exit codes', async () => {
  const help = await desgw(['--help']);
  assert.equal(help.exitCode, 0);
  for (const command of ['start', 'add', 'status', 'watch', 'close'])
    assert.match(help.stdout, new RegExp(`\\n  ${command} `));
  const start = await desgw(['start', '--help']);
  assert.match(start.stdout, /--trigger-mjd <mjd>\s+\(required\)/);
  assert.match(start.stdout, /--season <auto\|N>\s+\(required\)/);
  const add = await desgw(['add', '--help']);
  assert.match(add.stdout, /Exit codes: 0 every exposure accepted or already held; 1 one was refused/);
  const status = await desgw(['status', '--help']);
  assert.match(
    status.stdout,
    /Exit codes: 0 completed.*\n2 failed, terminated, cancelled or timed out; 3 still running\./,
  );
});
