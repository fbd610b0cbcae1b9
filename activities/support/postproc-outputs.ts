/**
 * What a finished run_postproc.py pass leaves for operators, and the page the result names. The
 * real page, `masterHTML<SEASON>.html`, is written in the checkout with links relative to itself
 * while the candidate pages are in the output directory, and the season's next pass overwrites it;
 * so on success it is copied as it is into the output directory, with the plots (and any other
 * bare-named file) it names that are only in the checkout, and the checkout's stylesheet, and an
 * `index.html` is written there whose links are to files that are there (common/postproc-page.ts).
 * Nothing run_postproc.py wrote is changed, and no file's content is echoed. The outputs are
 * counted for the result on success and on "no candidates" alike.
 */
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostprocOutputNames } from '../../common/postproc-ini.js';
import { isBareName, pageLinks, renderIndex, type PostprocOutputs } from '../../common/postproc-page.js';
import { writeAtomically } from './atomic-file.js';

/** The page the result names, in the output directory. */
export const INDEX_PAGE = 'index.html';
/** The real page's stylesheet, in the checkout (the page links it as ../masterHTMLCSS.css). */
const STYLESHEET = 'masterHTMLCSS.css';
/** The largest page read, and the largest file copied beside it. */
const PAGE_MAX_BYTES = 16 * 1024 * 1024;
const COPY_MAX_BYTES = 64 * 1024 * 1024;
/** What the page names by bare name that is worth copying: plots, images, pages, stylesheets. */
const COPIED = /\.(png|jpe?g|gif|svg|css|html?)$/i;

const fileSize = (p: string): Promise<number | null> =>
  stat(p).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Counts and paths of the outputs operators use (absent when missing). */
export async function surveyOutputs(
  outputDir: string,
  season: number,
  names: PostprocOutputNames,
): Promise<PostprocOutputs> {
  const htmls = join(outputDir, 'htmls');
  const pages = (await readdir(htmls).catch(() => [] as string[])).filter((f) =>
    new RegExp(`^candidate_\\d+_dp${season}\\.html$`).test(f),
  );
  const lc = join(outputDir, 'makedatafiles', names.realDataDir);
  const dats = (await readdir(lc).catch(() => [] as string[])).filter((f) => f.endsWith('.dat'));
  const out: PostprocOutputs = { candidatePages: pages.length, datFiles: dats.length };
  if (await isDir(htmls)) out.htmlsDir = htmls;
  if (await isDir(lc)) out.lightCurvesDir = lc;
  const files: [keyof PostprocOutputs, string][] = [
    ['combinedFits', join(outputDir, 'makedatafiles', names.combinedFits)],
    ['truthPlus', join(outputDir, `truthtable${season}`, names.truthPlusName)],
    ['checkoutputsCsv', join(outputDir, 'checkoutputs', names.ccdFile)],
  ];
  for (const [key, path] of files) if ((await fileSize(path)) !== null) Object.assign(out, { [key]: path });
  return out;
}

/**
 * Copies the checkout's page (and what it names by bare name, and the stylesheet) into the output
 * directory and writes the index there. Returns the index's path and the outputs.
 */
export async function publishPage(
  outputDir: string,
  checkout: string,
  season: number,
  names: PostprocOutputNames,
): Promise<{ index: string; outputs: PostprocOutputs }> {
  const pageName = `masterHTML${season}.html`;
  const checkoutPage = join(checkout, pageName);
  const size = await fileSize(checkoutPage);
  let pageCopy: string | undefined;
  let links: string[] = [];
  if (size !== null && size <= PAGE_MAX_BYTES) {
    links = pageLinks(await readFile(checkoutPage, 'latin1'));
    pageCopy = join(outputDir, pageName);
    await copyFile(checkoutPage, pageCopy);
    for (const name of new Set(links.filter((l) => isBareName(l) && COPIED.test(l) && l !== pageName))) {
      const here = join(outputDir, name);
      if ((await fileSize(here)) !== null) continue; // run_postproc.py's own file in the output directory wins
      const there = await fileSize(join(checkout, name));
      if (there !== null && there <= COPY_MAX_BYTES) await copyFile(join(checkout, name), here);
    }
  }
  let stylesheet: string | undefined;
  const css = await fileSize(join(checkout, STYLESHEET));
  if (css !== null && css <= COPY_MAX_BYTES) {
    await copyFile(join(checkout, STYLESHEET), join(outputDir, STYLESHEET));
    stylesheet = STYLESHEET;
  }
  const outputs = await surveyOutputs(outputDir, season, names);
  const candidatePages = (await readdir(join(outputDir, 'htmls')).catch(() => [] as string[]))
    .filter((f) => new RegExp(`^candidate_\\d+_dp${season}\\.html$`).test(f))
    .sort()
    .map((f) => `htmls/${f}`);
  const plots: string[] = [];
  for (const l of new Set(links))
    if (isBareName(l) && /\.(png|jpe?g|gif|svg)$/i.test(l) && (await fileSize(join(outputDir, l))) !== null)
      plots.push(l);
  const rel = (p: string | undefined) => (p === undefined ? undefined : p.slice(outputDir.length + 1));
  const products: { label: string; path: string }[] = [];
  const add = (label: string, p: string | undefined, dir = false) => {
    const r = rel(p);
    if (r) products.push({ label, path: dir ? `${r}/` : r });
  };
  add(`candidate pages (${outputs.candidatePages})`, outputs.htmlsDir, true);
  add(`light-curve data files (${outputs.datFiles} .dat)`, outputs.lightCurvesDir, true);
  add('combined data files', outputs.combinedFits);
  add('truth table', outputs.truthPlus);
  add('processing check', outputs.checkoutputsCsv);
  const index = join(outputDir, INDEX_PAGE);
  await writeAtomically(
    index,
    renderIndex({
      season,
      ...(pageCopy ? { pageCopy: pageName } : {}),
      candidatePages,
      plots,
      products,
      ...(stylesheet ? { stylesheet } : {}),
      at: new Date().toISOString(),
    }),
  );
  return {
    index,
    outputs: { ...outputs, ...(size !== null ? { checkoutPage } : {}), ...(pageCopy ? { pageCopy } : {}) },
  };
}
