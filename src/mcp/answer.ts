import { naturalKey, recordWindow, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { User } from '../store/store.ts';
import { MCP_LIMITS } from './limits.ts';

/** Where a claim comes from: the stored record an answer used. `summary_id` is what get_record takes as `id`. */
export interface Citation {
  data_type: DataType;
  summary_id: string;
  provider: string;
  start_time: string | null;
  end_time: string | null;
}

export function citationOf(type: DataType, record: TerraRecord, user: User): Citation {
  const window = recordWindow(type, record);
  return {
    data_type: type,
    summary_id: naturalKey(type, record) ?? '',
    provider: user.provider,
    start_time: window.start ?? null,
    end_time: window.end ?? null,
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Fits an answer into `maxBytes` of JSON by dropping the tail of its lists, in the order
 * given (the least needed first), and says how many items each lost under `omitted`.
 */
export function fitAnswer<T extends Record<string, unknown>>(
  answer: T,
  trimmable: readonly (keyof T & string)[],
  maxBytes: number = MCP_LIMITS.maxAnswerBytes,
): T & { omitted?: Record<string, number>; note?: string } {
  if (bytes(answer) <= maxBytes) return answer;
  const out: Record<string, unknown> = { ...answer };
  const omitted: Record<string, number> = {};
  out.omitted = omitted;
  out.note = 'The answer was cut to stay within its size bound: ask for a shorter period or fewer points to see all.';
  for (const field of trimmable) {
    const list = out[field];
    if (!Array.isArray(list) || list.length === 0) continue;
    // The most items that still fit, by binary search over the kept length.
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      omitted[field] = list.length - mid;
      if (bytes({ ...out, [field]: list.slice(0, mid) }) <= maxBytes) low = mid;
      else high = mid - 1;
    }
    out[field] = list.slice(0, low);
    omitted[field] = list.length - low;
    if (bytes(out) <= maxBytes) break;
  }
  for (const [field, count] of Object.entries(omitted)) if (count === 0) delete omitted[field];
  return out as T & { omitted?: Record<string, number>; note?: string };
}
