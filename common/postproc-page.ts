/**
 * The page a post-processing's result names, and what its output directory holds. run_postproc.py
 * writes its index page `masterHTML<SEASON>.html` in the checkout, with links relative to itself
 * (`htmls/candidate_<SNID>_dp<S>.html`, the plots under bare names, `../masterHTMLCSS.css`), while the
 * candidate pages are in the output directory, and the next pass of the season overwrites it: in the
 * checkout its candidate links do not open. So on success the page is copied as it is into the output
 * directory (where its `htmls/` links and plots resolve), with the plots it names that are only in the
 * checkout, and a small `index.html` is written beside it whose every link is to a file that is
 * there: that is the page the result names. Also: why run_postproc.py found no candidates (the line
 * makePlots prints before "Step 6 failed due to empty candidate dfs"), told in our own words.
 * Pure: no file access (activities/support/postproc-outputs.ts does that).
 */

/** What the output directory holds that operators use, counted. Paths absolute; absent when missing. */
export interface PostprocOutputs {
  /** `DIR/htmls/` and how many `candidate_*_dp<S>.html` it holds. */
  htmlsDir?: string;
  candidatePages: number;
  /** `DIR/makedatafiles/<outDir_data>/` and its `.dat` files (what later scripts consume). */
  lightCurvesDir?: string;
  datFiles: number;
  /** `DIR/makedatafiles/<combined_fits>`. */
  combinedFits?: string;
  /** `DIR/truthtable<S>/<plusname>`. */
  truthPlus?: string;
  /** `DIR/checkoutputs/<ccdfile>`. */
  checkoutputsCsv?: string;
  /** run_postproc.py's own page in the checkout (overwritten by the season's next pass), and its copy here. */
  checkoutPage?: string;
  pageCopy?: string;
}

/** The link targets (href and src values) of an HTML text, as written: quoted or bare. */
export function pageLinks(html: string): string[] {
  const out: string[] = [];
  const re = /\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
  for (const m of html.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** A link naming a file beside the page by its bare name (what run_postproc.py copies into the checkout). */
export function isBareName(link: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,200}$/.test(link) && !link.includes('..');
}

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A relative link, each path segment percent-encoded. */
const href = (rel: string): string => escape(rel.split('/').map(encodeURIComponent).join('/'));

export interface IndexInput {
  season: number;
  /** Paths relative to the output directory, each known to exist. */
  pageCopy?: string;
  candidatePages: string[];
  plots: string[];
  products: { label: string; path: string }[];
  /** The stylesheet copied beside the index, if any. */
  stylesheet?: string;
  /** When it was written (ISO), for the page's footer. */
  at: string;
}

/** The index page: every link relative to the output directory, to a file the caller checked is there. */
export function renderIndex(i: IndexInput): string {
  const li = (rel: string, text: string) => `<li><a href="${href(rel)}">${escape(text)}</a></li>`;
  const lines = [
    '<!DOCTYPE HTML>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    `<title>Season ${i.season} candidates</title>`,
    ...(i.stylesheet ? [`<link rel="stylesheet" type="text/css" href="${href(i.stylesheet)}">`] : []),
    '</head>',
    '<body>',
    `<h1>Season ${i.season}: ${i.candidatePages.length} candidate page${i.candidatePages.length === 1 ? '' : 's'}</h1>`,
  ];
  if (i.pageCopy)
    lines.push(
      `<p><a href="${href(i.pageCopy)}">run_postproc.py's own page</a>, copied from the checkout as it was written (its candidate links and plots open here; its stylesheet and status-page links are the web server's).</p>`,
    );
  if (i.plots.length > 0) lines.push('<h2>Plots</h2>', '<ul>', ...i.plots.map((p) => li(p, p)), '</ul>');
  lines.push('<h2>Candidates</h2>', '<ul>', ...i.candidatePages.map((p) => li(p, candidateName(p))), '</ul>');
  if (i.products.length > 0)
    lines.push('<h2>Outputs</h2>', '<ul>', ...i.products.map((p) => li(p.path, `${p.label}: ${p.path}`)), '</ul>');
  lines.push(`<p>Written by desgw post-processing at ${escape(i.at)}.</p>`, '</body>', '</html>', '');
  return lines.join('\n');
}

/** `htmls/candidate_<SNID>_dp<S>.html` → `candidate <SNID>`. */
function candidateName(rel: string): string {
  const m = /candidate_(\d+)_dp\d+\.html$/.exec(rel);
  return m ? `candidate ${m[1]}` : rel;
}

/** Why run_postproc.py found no candidates: the line makePlots printed, as a fixed key and our sentence. */
export type NoCandidatesCause = 'no-photflag' | 'below-ml-cut' | 'not-in-master-list' | 'none-remaining' | 'unknown';

const CAUSES: readonly [string, Exclude<NoCandidatesCause, 'unknown'>, string][] = [
  [
    'No candidates with photflag = 4096,12288 in combined fits',
    'no-photflag',
    'no detection in the combined data files has PHOTFLAG 4096 or 12288 (no light-curve data, or none detected)',
  ],
  [
    'No candidates with photflag = 4096,12288 and photprob > ml_score_cut combined fits',
    'below-ml-cut',
    'no detection is above [plots] mlscore_cut',
  ],
  [
    'No candidates remaining, possibly in masterlist df',
    'not-in-master-list',
    "no candidate was seen in an exposure of the master list (the list given): the season's other candidates are not plotted",
  ],
  ['No candidates remaining', 'none-remaining', 'no fake or candidate remained for the plots'],
];

/** The cause run_postproc.py's output shows (exact lines; the last one seen wins), with our sentence. */
export function noCandidatesCause(output: string): { cause: NoCandidatesCause; said: string } {
  let found: { cause: NoCandidatesCause; said: string } | null = null;
  for (const line of output.split(/\r?\n/)) {
    const c = CAUSES.find(([text]) => line.trim() === text);
    if (c) found = { cause: c[1], said: c[2] };
  }
  return found ?? { cause: 'unknown', said: "run_postproc.py's output does not say why (no line of makePlots' known)" };
}
