/**
 * `npm run demo:event` as a person runs it (its own process), small: three exposures a night at a
 * second's cadence, on free ports and a dev server file of its own, so that it clashes with no
 * other dev server. It ends 0 having shown both nights and the latest candidate page, which is
 * there; the worker's log is in the file it names, not on the console; the telescope is gone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../../workers/config.js';
import { freePort } from '../helpers/telescope.js';

test('the event demo plays two nights of one event, closes the campaign and ends 0, naming the latest candidate page, which exists; the worker logs to its file and the telescope is removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'desgw-demo-event-test-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  try {
    const r = await execa('node', [join(REPO_ROOT, 'dist', 'scripts', 'demo-event.js')], {
      env: {
        DESGW_DEMO_PORT: String(port),
        DESGW_DEMO_UI_PORT: String(uiPort),
        DESGW_DEMO_DB: join(dir, 'dev.db'),
        DESGW_DEMO_EXPOSURES: '3',
        DESGW_DEMO_CADENCE_S: '1',
        DESGW_DEMO_RAW_LAG_S: '1',
        DESGW_DEMO_EVERY_S: '1',
        KEEP: '0',
      },
      reject: false,
      timeout: 300_000,
    });
    const out = r.stdout;
    assert.equal(r.exitCode, 0, `${out}\n${r.stderr}`);
    const trigger = /\$ desgw event start (\S+) /.exec(out)?.[1];
    assert.ok(trigger, out);
    assert.match(out, new RegExp(`\\nstarted desgw-event-${trigger} `));
    for (const k of [1, 2]) assert.match(out, new RegExp(`\\nnight ${k} is through DAGMaker and submission:\\n`));
    const nites = [...out.matchAll(/\nnight (\d{8}): 3 exposure\(s\)\n/g)].map((m) => m[1]);
    assert.equal(new Set(nites).size, 2, `two nights' tables: ${nites.join(' ')}`);
    assert.match(
      out,
      new RegExp(
        `\\ncampaign desgw-event-${trigger} completed: season \\d+, nite \\d{8} \\d{8}: 6 of 6 exposure\\(s\\) submitted`,
      ),
    );

    const page = /\nthe latest candidate page: (\S+) \(\d+ bytes\)\n/.exec(out)?.[1];
    assert.ok(page?.endsWith(`desgw-event-${trigger}/latest/index.html`), out);
    assert.ok((await stat(page!)).isFile());
    assert.match(
      out,
      new RegExp(
        `\\nWeb UI of this campaign: http://localhost:${uiPort}/namespaces/default/workflows/desgw-event-${trigger}/`,
      ),
    );

    const log = /its log: (\S+-worker\.log)\n/.exec(out)?.[1];
    assert.ok(log, out);
    assert.match(await readFile(log, 'utf8'), /^desgw worker on /m);
    assert.doesNotMatch(out, /sdkComponent=/, "the worker's log stays out of the console");

    const pgpass = /passwords in (\S+)\)/.exec(out)?.[1];
    assert.ok(pgpass, out);
    assert.equal(await stat(pgpass).catch(() => null), null, 'the telescope is stopped and its directory removed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
