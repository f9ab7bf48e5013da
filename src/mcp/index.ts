/**
 * The MCP server over users' health data (issue 17): `POST|GET /mcp` (Streamable HTTP),
 * user grants with a hosted consent page, and the audit log of tool calls. See README "MCP".
 */
import './contract.ts';

export { mcpConsentPages } from './consent-page.ts';
export { mcpApiRoutes } from './grant-routes.ts';
export { mcpTransportRoutes } from './transport.ts';
