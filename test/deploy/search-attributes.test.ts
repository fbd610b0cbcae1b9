/**
 * The search attributes the worker makes sure of (common/search-attributes.ts) are those the
 * deployment's namespace script creates (deploy/search-attributes.txt), and they leave room in SQL
 * visibility's per-namespace slots for other applications.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { REPO_ROOT } from '../../workers/config.js';

/** SQL visibility's custom search attribute slots per namespace (Temporal 1.29, PostgreSQL and MySQL). */
const SQL_SLOTS: Record<string, number> = { Int: 3, Keyword: 10, KeywordList: 3, Text: 3, Bool: 3, Double: 3, Datetime: 3 };
const TYPE_NAMES: Record<string, string> = { INT: 'Int', KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double', DATETIME: 'Datetime' };

test('the worker and deploy/create-namespace.sh know the same search attributes', async () => {
  const listed = (await readFile(join(REPO_ROOT, 'deploy', 'search-attributes.txt'), 'utf8'))
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/).join(' '))
    .sort();
  const ours = SEARCH_ATTRIBUTES.map((k) => `${k.name} ${TYPE_NAMES[k.type]}`).sort();
  assert.deepEqual(ours, listed);
});

test('the search attributes leave at least one slot of each type free in a namespace on SQL visibility', () => {
  const used = new Map<string, number>();
  for (const k of SEARCH_ATTRIBUTES) used.set(TYPE_NAMES[k.type]!, (used.get(TYPE_NAMES[k.type]!) ?? 0) + 1);
  for (const [type, n] of used) assert.ok(n < SQL_SLOTS[type]!, `${n} of the ${SQL_SLOTS[type]} ${type} slots`);
});
