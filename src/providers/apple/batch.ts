import { z } from 'zod/v4';

/**
 * The ingestion batch the phone posts to `POST /v2/sdk/users/{user_id}/samples`. It mirrors
 * HealthKit's objects (HKQuantitySample, HKCategorySample, HKWorkout with its statistics,
 * events and HKWorkoutRoute, HKActivitySummary) with JSON-friendly names. Published as JSON
 * Schema (`schema/apple-batch.schema.json`, generated from this file) and in the OpenAPI document.
 */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const timestamp = (what: string) =>
  z
    .string()
    .regex(TIMESTAMP, `${what} must be ISO 8601 with a UTC offset, e.g. 2024-01-01T07:30:00+02:00`)
    .describe(`${what}: ISO 8601 with the device's UTC offset`);
const MAX_ITEMS = 10_000;

export const SourceSchema = z
  .object({
    name: z.string().min(1).max(200).describe('HKSource.name, e.g. "Alex’s Apple Watch"'),
    bundle_id: z.string().max(200).optional().describe('HKSource.bundleIdentifier'),
  })
  .describe('The app or device that wrote the sample (HKSourceRevision.source)');

export const DeviceSchema = z
  .object({
    name: z.string().max(200).optional(),
    manufacturer: z.string().max(200).optional(),
    model: z.string().max(200).optional().describe('HKDevice.model, e.g. "Watch" or "iPhone": decides source priority'),
    hardware_version: z.string().max(200).optional(),
    software_version: z.string().max(200).optional(),
  })
  .describe('HKDevice');

const metadata = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .optional()
  .describe('HKMetadataKey… entries (quantities as strings with a unit, e.g. "418 cm")');

export const QuantitySampleSchema = z.object({
  uuid: z.string().min(1).max(64).describe('HKObject.uuid: makes re-sent samples idempotent'),
  type: z
    .string()
    .regex(/^HKQuantityTypeIdentifier\w+$/)
    .describe('HKQuantityTypeIdentifier…'),
  value: z.number().refine(Number.isFinite, 'value must be a finite number'),
  unit: z
    .string()
    .max(40)
    .describe('HKUnit.unitString, e.g. "count", "km", "mi", "kcal", "kJ", "lb", "count/min", "%"'),
  start_date: timestamp('start_date'),
  end_date: timestamp('end_date'),
  source: SourceSchema,
  device: DeviceSchema.optional(),
  metadata,
});

export const CategorySampleSchema = z.object({
  uuid: z.string().min(1).max(64),
  type: z
    .string()
    .regex(/^HKCategoryTypeIdentifier\w+$/)
    .describe('e.g. HKCategoryTypeIdentifierSleepAnalysis, HKCategoryTypeIdentifierMenstrualFlow'),
  value: z
    .union([z.number().int(), z.string().max(100)])
    .describe(
      'HKCategorySample.value (integer raw value) or the value name, e.g. "HKCategoryValueSleepAnalysisAsleepDeep"',
    ),
  start_date: timestamp('start_date'),
  end_date: timestamp('end_date'),
  source: SourceSchema,
  device: DeviceSchema.optional(),
  metadata,
});

export const WorkoutSchema = z.object({
  uuid: z.string().min(1).max(64),
  activity_type: z
    .string()
    .max(100)
    .describe('HKWorkoutActivityType name, e.g. "HKWorkoutActivityTypeRunning" or "Running"'),
  start_date: timestamp('start_date'),
  end_date: timestamp('end_date'),
  duration: z.number().nonnegative().optional().describe('HKWorkout.duration in seconds (pauses excluded)'),
  source: SourceSchema,
  device: DeviceSchema.optional(),
  metadata,
  statistics: z
    .array(
      z.object({
        type: z.string().regex(/^HKQuantityTypeIdentifier\w+$/),
        sum: z.number().optional(),
        average: z.number().optional(),
        minimum: z.number().optional(),
        maximum: z.number().optional(),
        unit: z.string().max(40),
      }),
    )
    .max(100)
    .default([])
    .describe('HKWorkout.statistics(for:) per quantity type'),
  events: z
    .array(
      z.object({
        type: z.string().max(100).describe('HKWorkoutEventType name, e.g. "HKWorkoutEventTypeLap"'),
        start_date: timestamp('start_date'),
        end_date: timestamp('end_date').optional(),
      }),
    )
    .max(MAX_ITEMS)
    .default([]),
  route: z
    .array(
      z.object({
        timestamp: timestamp('timestamp'),
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        altitude: z.number().optional().describe('metres'),
        speed: z.number().optional().describe('m/s (CLLocation.speed; negative = invalid)'),
        course: z.number().optional(),
        horizontal_accuracy: z.number().optional(),
        vertical_accuracy: z.number().optional(),
      }),
    )
    .max(100_000)
    .default([])
    .describe('HKWorkoutRoute locations'),
});

export const ActivitySummarySchema = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe('HKActivitySummary.dateComponents as YYYY-MM-DD'),
  utc_offset_minutes: z.number().int().min(-1080).max(1080).optional().describe("the device's UTC offset that day"),
  active_energy_burned: z.number().optional(),
  active_energy_burned_goal: z.number().optional(),
  active_energy_burned_unit: z.string().max(20).default('kcal'),
  apple_exercise_time_minutes: z.number().optional(),
  apple_exercise_time_goal_minutes: z.number().optional(),
  apple_stand_hours: z.number().optional(),
  apple_stand_hours_goal: z.number().optional(),
});

export const BatchSchema = z
  .object({
    batch_id: z.string().max(100).optional().describe('Client id of this upload (logged with the raw batch)'),
    quantity_samples: z.array(QuantitySampleSchema).max(MAX_ITEMS).default([]),
    category_samples: z.array(CategorySampleSchema).max(MAX_ITEMS).default([]),
    workouts: z.array(WorkoutSchema).max(1000).default([]),
    activity_summaries: z.array(ActivitySummarySchema).max(MAX_ITEMS).default([]),
    deleted: z
      .array(z.string().min(1).max(64))
      .max(MAX_ITEMS)
      .default([])
      .describe('UUIDs of samples deleted on the phone (HKAnchoredObjectQuery deletedObjects)'),
  })
  .describe('Tributary Apple Health ingestion batch');

export type Batch = z.infer<typeof BatchSchema>;
export type QuantitySample = z.infer<typeof QuantitySampleSchema>;
export type CategorySample = z.infer<typeof CategorySampleSchema>;
export type Workout = z.infer<typeof WorkoutSchema>;

/** The published JSON Schema of a batch (draft 2020-12, as OpenAPI 3.1 uses). */
export function batchJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://tributary.dev/schemas/apple-batch.schema.json',
    title: 'AppleHealthBatch',
    ...(z.toJSONSchema(BatchSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
  };
}

/** A zod failure as one readable line naming the offending path. */
export function describeIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return { path: path || 'body', message: `${path || 'body'}: ${issue.message}` };
}
