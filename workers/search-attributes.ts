/**
 * Makes sure the server knows the custom search attributes before any run sets them (a run that
 * sets an unknown one would be stuck). Creates the missing ones where the server allows it (the dev
 * server does); otherwise says exactly what an administrator must run.
 */
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';

const { temporal } = proto;
import { SEARCH_ATTRIBUTES } from '../common/search-attributes.js';

const INDEXED: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
const CLI_TYPE: Record<string, string> = { INT: 'Int', KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

export class SearchAttributesMissing extends Error {}

/** Returns the names it created. Throws SearchAttributesMissing with the command to run when it may not create them. */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED[k.type]!])),
    });
  } catch (err) {
    const commands = missing.map(
      (k) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE[k.type]}`,
    );
    throw new SearchAttributesMissing(
      `the server lacks the search attributes ${missing.map((k) => k.name).join(', ')} and would not let the worker create them (${(err as Error).message}). An administrator must run:\n  ${commands.join('\n  ')}`,
    );
  }
  return missing.map((k) => k.name);
}
