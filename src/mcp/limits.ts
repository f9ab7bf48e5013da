/**
 * Bounds of the MCP server. An agent's context is small and a tool call must stay cheap, so
 * every answer is bounded in days, records and bytes; the answer says what it left out.
 */
export const MCP_LIMITS = {
  /** Longest period one summary or one side of a comparison may span. */
  maxPeriodDays: 366,
  /** Most records one summary reads (per period of a comparison). */
  maxRecords: 1000,
  /** Largest tool answer, in bytes of JSON text. */
  maxAnswerBytes: 64 * 1024,
  /** Most points of one sample series in a record's detail. */
  maxPointsPerSeries: 2000,
  /** Default points of one sample series. */
  defaultPointsPerSeries: 300,
  /** Users per page of find_users. */
  usersPerPage: 50,
  /** Largest JSON-RPC request body on /mcp. */
  maxBodyBytes: 256 * 1024,
} as const;

/** Grant lifetimes, in seconds. */
export const GRANT_EXPIRY = {
  defaultSeconds: 30 * 86_400,
  minSeconds: 60,
  maxSeconds: 365 * 86_400,
  /** How long a consent link may wait for the end user. */
  consentLinkSeconds: 24 * 3600,
} as const;

export const DAY_MS = 86_400_000;
