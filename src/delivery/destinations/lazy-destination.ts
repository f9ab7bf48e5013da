import type { Destination, DestinationDefinition, DestinationServices } from './destination.ts';

/**
 * What a destination's implementation module exports: the two calls that need its SDK
 * (AWS, Azure, Google, MongoDB, Kafka, the SQL drivers…). Its folder's `index.ts` keeps the
 * light part of the definition (type, config schema, docs), which the API, the OpenAPI
 * document, the docs generator and the dashboard read, and loads the module on first use.
 */
export interface DestinationImplementation<Config> {
  open(config: Config, services: DestinationServices): Destination;
  verify(config: Config, services: DestinationServices): Promise<void>;
}

/** Everything a definition carries except the SDK-bound calls. */
export type DestinationDescription<Config> = Omit<DestinationDefinition<Config>, 'open' | 'verify'>;

/**
 * A definition whose implementation is imported on the first `verify` or delivery, not when
 * the registry is (issue 11 item 4: `tributary start` loads no destination SDK):
 * `lazyDestination(description, () => import('./s3.ts'))`. A module that failed to load is
 * tried again on the next use; an `open` that fails is retried by the next delivery, as a
 * synchronous `open` would be.
 */
export function lazyDestination<Config>(
  description: DestinationDescription<Config>,
  load: () => Promise<DestinationImplementation<Config>>,
): DestinationDefinition<Config> {
  let loading: Promise<DestinationImplementation<Config>> | undefined;
  const implementation = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  return {
    ...description,
    async verify(config, services) {
      await (await implementation()).verify(config, services);
    },
    open(config, services) {
      let opened: Promise<Destination> | undefined;
      const instance = () =>
        (opened ??= implementation()
          .then((module) => module.open(config, services))
          .catch((error: unknown) => {
            opened = undefined;
            throw error;
          }));
      return {
        async deliver(event) {
          return (await instance()).deliver(event);
        },
        async close() {
          const current = opened;
          opened = undefined;
          const destination = await current?.catch(() => undefined);
          await destination?.close();
        },
      };
    },
  };
}
