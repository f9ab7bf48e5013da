import { notFound } from '../../core/errors.ts';
import { developerOf } from '../authenticate.ts';
import type { RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { findUser } from '../params.ts';
import { getRawPayload, listRawLinks } from './raw.contract.ts';

/**
 * "Raw preserved", visible: which verbatim provider payload each normalized record came
 * from, and the payload itself (the dashboard shows it beside the record).
 */
export const rawRoutes: RouteModule = (app, ctx) => {
  serve(app, listRawLinks, async ({ params, query }, request) => {
    const devId = developerOf(request).devId;
    const user = await findUser(ctx.store, devId, params.user_id);
    const links = await ctx.store.records.rawLinks(devId, user.userId, query.type, {
      startMs: query.start_date,
      endMs: query.end_date,
      limit: query.limit,
    });
    return {
      user_id: user.userId,
      type: query.type,
      links: links.map((link) => ({
        natural_key: link.naturalKey,
        start_time: link.startMs === null ? null : new Date(link.startMs).toISOString(),
        raw: link.raw && {
          raw_id: link.raw.rawId,
          provider: link.raw.provider,
          external_id: link.raw.externalId,
          content_type: link.raw.contentType,
          sha256: link.raw.sha256,
          received_at: link.raw.receivedAt,
          bytes: link.raw.bytes,
        },
      })),
    };
  });

  serve(app, getRawPayload, async ({ params }, request, reply) => {
    const raw = await ctx.store.raw.get(developerOf(request).devId, params.raw_id);
    if (!raw) throw notFound(`no raw payload ${params.raw_id}`);
    // Bytes from a provider are never rendered by a browser: an attachment, sandboxed, not sniffed.
    return reply
      .type(raw.contentType || 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${raw.rawId}"`)
      .header('content-security-policy', 'sandbox')
      .header('x-content-type-options', 'nosniff')
      .send(raw.body);
  });
};
