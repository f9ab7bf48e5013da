import { hashApiKey } from '../../core/crypto.ts';
import { newId, newSecret } from '../../core/ids.ts';
import type { DataType } from '../../model/data-types.ts';
import type { McpAuditEntry, McpAuditRepo, McpGrant, McpGrantRepo, McpGrantScope } from '../store.ts';
import type { Db } from './db.ts';

/** Bearer tokens of user grants start with this, so a leaked one is recognisable (secret scanners). */
export const MCP_TOKEN_PREFIX = 'trb_mcp_';

interface GrantRow {
  grant_id: string;
  dev_id: string;
  user_id: string;
  status: McpGrant['status'];
  created_via: McpGrant['createdVia'];
  data_types: string | null;
  start_ms: number | string | null;
  end_ms: number | string | null;
  expires_in_seconds: number | string;
  expires_ms: number | string | null;
  consent_expires_ms: number | string | null;
  redirect_url: string | null;
  created_at: string;
  approved_at: string | null;
  revoked_at: string | null;
}

// PostgreSQL answers BIGINT as text: numbers are read back through this.
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

const toGrant = (row: GrantRow): McpGrant => ({
  grantId: row.grant_id,
  devId: row.dev_id,
  userId: row.user_id,
  status: row.status,
  createdVia: row.created_via,
  dataTypes: row.data_types === null ? null : (JSON.parse(row.data_types) as DataType[]),
  startMs: num(row.start_ms),
  endMs: num(row.end_ms),
  expiresInSeconds: Number(row.expires_in_seconds),
  expiresMs: num(row.expires_ms),
  consentExpiresMs: num(row.consent_expires_ms),
  redirectUrl: row.redirect_url,
  createdAt: row.created_at,
  approvedAt: row.approved_at,
  revokedAt: row.revoked_at,
});

const GRANT_COLUMNS =
  'grant_id, dev_id, user_id, status, created_via, data_types, start_ms, end_ms, expires_in_seconds, expires_ms, consent_expires_ms, redirect_url, created_at, approved_at, revoked_at';

/** User grants of the MCP server. Tokens and consent secrets are kept as SHA-256 hashes only. */
export function mcpGrantRepo(db: Db): McpGrantRepo {
  const byColumn = async (column: 'token_hash' | 'consent_hash', hash: string) => {
    const row = await db.get<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM mcp_grants WHERE ${column} = ?`, [hash]);
    return row && toGrant(row);
  };
  const getGrant = async (devId: string, grantId: string) => {
    const row = await db.get<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM mcp_grants WHERE dev_id = ? AND grant_id = ?`, [
      devId,
      grantId,
    ]);
    return row && toGrant(row);
  };
  const insert = async (
    devId: string,
    scope: McpGrantScope,
    fields: {
      status: McpGrant['status'];
      createdVia: McpGrant['createdVia'];
      tokenHash: string | null;
      consentHash: string | null;
      expiresMs: number | null;
      consentExpiresMs: number | null;
      redirectUrl: string | null;
      now: number;
    },
  ): Promise<McpGrant> => {
    const grantId = newId('mcpg');
    const createdAt = new Date(fields.now).toISOString();
    await db.run(
      `INSERT INTO mcp_grants (grant_id, dev_id, user_id, status, created_via, token_hash, consent_hash, data_types, start_ms, end_ms,
         expires_in_seconds, expires_ms, consent_expires_ms, redirect_url, created_at, created_ms, approved_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      [
        grantId,
        devId,
        scope.userId,
        fields.status,
        fields.createdVia,
        fields.tokenHash,
        fields.consentHash,
        scope.dataTypes === null ? null : JSON.stringify(scope.dataTypes),
        scope.startMs,
        scope.endMs,
        scope.expiresInSeconds,
        fields.expiresMs,
        fields.consentExpiresMs,
        fields.redirectUrl,
        createdAt,
        fields.now,
        fields.status === 'active' ? createdAt : null,
      ],
    );
    return (await getGrant(devId, grantId))!;
  };
  return {
    async create(devId, scope, now = Date.now()) {
      const token = MCP_TOKEN_PREFIX + newSecret(32);
      const grant = await insert(devId, scope, {
        status: 'active',
        createdVia: 'api',
        tokenHash: hashApiKey(token),
        consentHash: null,
        expiresMs: now + scope.expiresInSeconds * 1000,
        consentExpiresMs: null,
        redirectUrl: null,
        now,
      });
      return { grant, token };
    },
    async createPending(devId, scope) {
      const secret = newSecret(32);
      const grant = await insert(devId, scope, {
        status: 'pending',
        createdVia: 'consent',
        tokenHash: null,
        consentHash: hashApiKey(secret),
        expiresMs: null,
        consentExpiresMs: scope.consentExpiresMs,
        redirectUrl: scope.redirectUrl,
        now: Date.now(),
      });
      return { grant, secret };
    },
    byConsentSecret: (secret) => byColumn('consent_hash', hashApiKey(secret)),
    async approve(secret, now = Date.now()) {
      const pending = await byColumn('consent_hash', hashApiKey(secret));
      if (!pending) return undefined;
      const token = MCP_TOKEN_PREFIX + newSecret(32);
      // One statement decides: two approvals racing on one link cannot both mint a token.
      const { changes } = await db.run(
        `UPDATE mcp_grants SET status = 'active', token_hash = ?, consent_hash = NULL, expires_ms = ?, approved_at = ?
         WHERE consent_hash = ? AND status = 'pending' AND consent_expires_ms > ?`,
        [
          hashApiKey(token),
          now + pending.expiresInSeconds * 1000,
          new Date(now).toISOString(),
          hashApiKey(secret),
          now,
        ],
      );
      if (changes === 0) return undefined;
      return { grant: (await getGrant(pending.devId, pending.grantId))!, token };
    },
    async deny(secret) {
      const pending = await byColumn('consent_hash', hashApiKey(secret));
      if (!pending) return undefined;
      const { changes } = await db.run(
        `UPDATE mcp_grants SET status = 'denied', consent_hash = NULL WHERE consent_hash = ? AND status = 'pending'`,
        [hashApiKey(secret)],
      );
      return changes === 0 ? undefined : getGrant(pending.devId, pending.grantId);
    },
    async authenticate(token, now = Date.now()) {
      if (!token.startsWith(MCP_TOKEN_PREFIX)) return undefined;
      const grant = await byColumn('token_hash', hashApiKey(token));
      if (!grant || grant.status !== 'active' || grant.expiresMs === null || grant.expiresMs <= now) return undefined;
      return grant;
    },
    get: getGrant,
    async list(devId, filter = {}) {
      const where = ['dev_id = ?'];
      const params: unknown[] = [devId];
      if (filter.userId !== undefined) {
        where.push('user_id = ?');
        params.push(filter.userId);
      }
      const limit = Math.max(1, Math.min(Math.floor(filter.limit ?? 100), 1000));
      const rows = await db.all<GrantRow>(
        `SELECT ${GRANT_COLUMNS} FROM mcp_grants WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, grant_id DESC LIMIT ${limit}`,
        params,
      );
      return rows.map(toGrant);
    },
    async revoke(devId, grantId) {
      // The token hash stays (so the token is recognised and refused) but the status ends it.
      await db.run(
        `UPDATE mcp_grants SET status = 'revoked', consent_hash = NULL, revoked_at = ?
         WHERE dev_id = ? AND grant_id = ? AND status IN ('active', 'pending')`,
        [new Date().toISOString(), devId, grantId],
      );
      return getGrant(devId, grantId);
    },
  };
}

interface AuditRow {
  audit_id: string;
  dev_id: string;
  actor: McpAuditEntry['actor'];
  grant_id: string | null;
  tool: string;
  user_id: string | null;
  start_ms: number | string | null;
  end_ms: number | string | null;
  record_count: number | string;
  outcome: McpAuditEntry['outcome'];
  message: string | null;
  created_at: string;
  created_ms: number | string;
}

const toAudit = (row: AuditRow): McpAuditEntry => ({
  auditId: row.audit_id,
  devId: row.dev_id,
  actor: row.actor,
  grantId: row.grant_id,
  tool: row.tool,
  userId: row.user_id,
  startMs: num(row.start_ms),
  endMs: num(row.end_ms),
  recordCount: Number(row.record_count),
  outcome: row.outcome,
  message: row.message,
  createdAt: row.created_at,
  createdMs: Number(row.created_ms),
});

let auditSequence = 0;

/**
 * Audit ids sort in the order entries were appended (by this process): the millisecond, then
 * a counter, so that a page read newest-first is stable even within one millisecond.
 */
function auditId(now: number): string {
  auditSequence = (auditSequence + 1) % 36 ** 6;
  return `mcpa_${now.toString(36).padStart(9, '0')}${auditSequence.toString(36).padStart(6, '0')}${newSecret(6)}`;
}

/** The audit log of MCP tool calls: append-only. */
export function mcpAuditRepo(db: Db): McpAuditRepo {
  return {
    async append(devId, entry) {
      const now = Date.now();
      const row: AuditRow = {
        audit_id: auditId(now),
        dev_id: devId,
        actor: entry.actor,
        grant_id: entry.grantId,
        tool: entry.tool,
        user_id: entry.userId,
        start_ms: entry.startMs,
        end_ms: entry.endMs,
        record_count: entry.recordCount,
        outcome: entry.outcome,
        message: entry.message === null ? null : entry.message.slice(0, 500),
        created_at: new Date(now).toISOString(),
        created_ms: now,
      };
      await db.run(
        `INSERT INTO mcp_audit (audit_id, dev_id, actor, grant_id, tool, user_id, start_ms, end_ms, record_count, outcome, message, created_at, created_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.audit_id,
          row.dev_id,
          row.actor,
          row.grant_id,
          row.tool,
          row.user_id,
          row.start_ms,
          row.end_ms,
          row.record_count,
          row.outcome,
          row.message,
          row.created_at,
          row.created_ms,
        ],
      );
      return toAudit(row);
    },
    async list(devId, filter = {}) {
      const where = ['dev_id = ?'];
      const params: unknown[] = [devId];
      if (filter.userId !== undefined) {
        where.push('user_id = ?');
        params.push(filter.userId);
      }
      if (filter.grantId !== undefined) {
        where.push('grant_id = ?');
        params.push(filter.grantId);
      }
      if (filter.before) {
        where.push('(created_ms < ? OR (created_ms = ? AND audit_id < ?))');
        params.push(filter.before.ms, filter.before.ms, filter.before.id);
      }
      const limit = Math.max(1, Math.min(Math.floor(filter.limit ?? 100), 1000));
      const rows = await db.all<AuditRow>(
        `SELECT * FROM mcp_audit WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, audit_id DESC LIMIT ${limit}`,
        params,
      );
      return rows.map(toAudit);
    },
  };
}
