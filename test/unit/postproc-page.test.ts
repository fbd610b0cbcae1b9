import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBareName, noCandidatesCause, pageLinks, renderIndex } from '../../common/postproc-page.js';

// The start of the page WholeHTML writes, as it writes it (unquoted and spaced attributes included).
const MASTER =
  '<!DOCTYPE HTML>\n<html>\n<link rel="stylesheet" type="text/css" href="../masterHTMLCSS.css"><body>' +
  '<button onclick="topFunction()" id="myBtn" title="Go to top"><img id ="button" src="Arrow.png"></button>' +
  '<img src=fakemltest_1550.png width="583" height="350"></span><img src =fullmap_1550.png width"583" height="350">' +
  '<tr><td><a href=htmls/candidate_155012345_dp1550.html>x</a></td></tr>';

test("the real page's links are read as written: quoted, bare, spaced around '='", () => {
  assert.deepEqual(pageLinks(MASTER), [
    '../masterHTMLCSS.css',
    'Arrow.png',
    'fakemltest_1550.png',
    'fullmap_1550.png',
    'htmls/candidate_155012345_dp1550.html',
  ]);
  assert.deepEqual(
    pageLinks(MASTER).filter(isBareName),
    ['Arrow.png', 'fakemltest_1550.png', 'fullmap_1550.png'],
    'only names beside the page are copied',
  );
  assert.equal(isBareName('../x.png'), false);
  assert.equal(isBareName('/etc/passwd'), false);
});

test('the index links only what it was given, relative and escaped, and names the copy of the real page', () => {
  const html = renderIndex({
    season: 1550,
    pageCopy: 'masterHTML1550.html',
    candidatePages: ['htmls/candidate_155012345_dp1550.html'],
    plots: ['fakemltest_1550.png'],
    products: [{ label: 'light-curve data files (3 .dat)', path: 'makedatafiles/LightCurvesReal/' }],
    stylesheet: 'masterHTMLCSS.css',
    at: '2024-05-12T03:15:00.000Z',
  });
  assert.deepEqual(pageLinks(html), [
    'masterHTMLCSS.css',
    'masterHTML1550.html',
    'fakemltest_1550.png',
    'htmls/candidate_155012345_dp1550.html',
    'makedatafiles/LightCurvesReal/',
  ]);
  assert.match(html, /<h1>Season 1550: 1 candidate page<\/h1>/);
  assert.match(
    renderIndex({ season: 1, candidatePages: [], plots: [], products: [{ label: 'x', path: 'a b&c' }], at: 'now' }),
    /href="a%20b%26c"/,
  );
});

test('why there were no candidates: the line makePlots printed, in our words; unknown when none of its lines is there', () => {
  const out = (line: string) =>
    `Run STEP 6: Make plots\n${line}\n\nStep 6 failed due to empty candidate dfs. Ending PostProc.\n`;
  assert.equal(
    noCandidatesCause(out('No candidates with photflag = 4096,12288 in combined fits')).cause,
    'no-photflag',
  );
  assert.equal(
    noCandidatesCause(out('No candidates with photflag = 4096,12288 and photprob > ml_score_cut combined fits')).cause,
    'below-ml-cut',
  );
  const master = noCandidatesCause(out('No candidates remaining, possibly in masterlist df'));
  assert.equal(master.cause, 'not-in-master-list');
  assert.match(master.said, /master list \(the list given\)/);
  assert.equal(noCandidatesCause(out('No candidates remaining')).cause, 'none-remaining');
  assert.equal(noCandidatesCause(out('something else entirely')).cause, 'unknown');
  assert.doesNotMatch(noCandidatesCause(out('secret=xyz')).said, /xyz/, 'never echoes the output');
});
