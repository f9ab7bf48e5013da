import type { z } from 'zod';
import type {
  Delivery,
  DeliveryDetail as DeliveryDetailSchema,
  Destination,
} from '../../api/routes/destinations.contract.ts';
import type { EventSummary as EventSummarySchema, getEvent } from '../../api/routes/events.contract.ts';
import type { ApiKey, KeysAnswer as KeysAnswerSchema } from '../../api/routes/keys.contract.ts';
import type {
  ConnectionHealth as ConnectionHealthSchema,
  HealthPage as HealthPageSchema,
} from '../../api/routes/connection-health.contract.ts';
import type { IntegrationProvider as IntegrationProviderAnswer } from '../../api/routes/integrations.ts';
import type { TerraUser as TerraUserAnswer } from '../../api/routes/users.contract.ts';

/**
 * Shapes of the /v2 answers the dashboard reads, declared once, in the API's route contracts
 * (type-only imports: nothing of the server is bundled). Terra's own operations answer the
 * types their handlers build.
 */
export type TerraUser = TerraUserAnswer;
export type DeliveryView = z.output<typeof Delivery>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
/** A webhook's `url` is one of its visible config fields, at the top level. */
export type DestinationView = z.output<typeof Destination> & { url?: string };
export type EventSummary = z.output<typeof EventSummarySchema>;
/** `GET /v2/events/{id}`: the summary plus the Terra event body as sent. */
export type EventDetail = z.output<(typeof getEvent)['responses'][200]['schema']>;
export type IntegrationProvider = IntegrationProviderAnswer;
export type ApiKeyView = z.output<typeof ApiKey>;
export type KeysAnswer = z.output<typeof KeysAnswerSchema>;
export type ConnectionHealth = z.output<typeof ConnectionHealthSchema>;
export type HealthPage = z.output<typeof HealthPageSchema>;
