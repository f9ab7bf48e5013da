/**
 * Apple Health, as the rest of Tributary sees it: the provider definition, and the pure
 * pieces the write path (src/ingest/apple/) composes — the SDK batch schema, HealthKit
 * types and units, sample rows, the export parser and the normalizers that turn samples
 * into Terra records. Nothing here reads or writes the store.
 */
export * from './definition.ts';
export * from './batch.ts';
export * from './hk-types.ts';
export * from './units.ts';
export * from './rows.ts';
export * from './samples.ts';
export * from './normalize/activity.ts';
export * from './normalize/body.ts';
export * from './normalize/daily.ts';
export * from './normalize/menstruation.ts';
export * from './normalize/nutrition.ts';
export * from './normalize/sleep.ts';
export * from './export/gpx.ts';
export * from './export/xml-parser.ts';
export * from './export/zip.ts';
