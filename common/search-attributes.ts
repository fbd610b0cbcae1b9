/**
 * The custom search attributes that make runs findable (`temporal workflow list --query
 * 'DesgwSeason=612'`). The worker makes sure the server has them when it starts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DESGW_SEASON = defineSearchAttributeKey('DesgwSeason', SearchAttributeType.INT);
export const DESGW_NITE = defineSearchAttributeKey('DesgwNite', SearchAttributeType.KEYWORD_LIST);
export const DESGW_STATUS = defineSearchAttributeKey('DesgwStatus', SearchAttributeType.KEYWORD);
export const DESGW_EXPOSURE = defineSearchAttributeKey('DesgwExposure', SearchAttributeType.INT);
export const DESGW_BAND = defineSearchAttributeKey('DesgwBand', SearchAttributeType.KEYWORD);
/** The GW trigger an event campaign follows (`temporal workflow list --query 'DesgwTrigger="S240511i"'`). */
export const DESGW_TRIGGER = defineSearchAttributeKey('DesgwTrigger', SearchAttributeType.KEYWORD);

/**
 * Two of SQL visibility's three Int slots a namespace has (and 3 of its 10 Keyword, 1 of its 3
 * KeywordList; DesgwTrigger a fourth Keyword): room for other applications, and for Temporal's own demo attributes, in one namespace.
 */
export const SEARCH_ATTRIBUTES = [
  DESGW_SEASON,
  DESGW_NITE,
  DESGW_STATUS,
  DESGW_EXPOSURE,
  DESGW_BAND,
  DESGW_TRIGGER,
] as const;
