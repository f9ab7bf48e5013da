import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { TributaryError } from '../../../core/errors.ts';
import type { TerraRecord } from '../../../model/data-types.ts';
import { CATEGORY_VALUES, QUANTITY_TYPES, sourceTier } from '../hk-types.ts';
import type { DeviceInfo, RoutePoint, WorkoutInput } from '../normalize/activity.ts';
import { activitySummaryRow, categoryRow, quantityRow } from '../rows.ts';
import type { SampleRow } from '../samples.ts';
import { parseLocalInstant, toCanonical } from '../units.ts';

export interface ExportWorkout {
  input: WorkoutInput;
  /** `WorkoutRoute/FileReference@path`, e.g. `/workout-routes/route_2019-06-11_3.00pm.gpx`. */
  routeFile?: string;
}

export interface ExportCounts {
  records: number;
  /** Records of types Tributary does not normalize (ECG voltage, audio exposure…). */
  otherTypes: number;
  /** Records that could not be read (bad date, value or unit): skipped, never guessed. */
  invalid: number;
  workouts: number;
  activitySummaries: number;
}

export interface ExportSink {
  sample(row: SampleRow): void;
  workout(workout: ExportWorkout): void;
  athlete(record: TerraRecord): void;
}

interface OpenRecord {
  attributes: Record<string, string>;
  metadata: Record<string, string> | null;
}

/**
 * A push parser for `export.xml` (HealthKit Export Version 3–14): feed it text, it calls the
 * sink for every sample, workout and activity summary as its element closes. It holds one
 * element at a time, so memory does not grow with the file. Records nested in a
 * `Correlation` are skipped: the export repeats them at the top level.
 */
export class ExportXmlParser {
  readonly counts: ExportCounts = { records: 0, otherTypes: 0, invalid: 0, workouts: 0, activitySummaries: 0 };
  exportDate: string | undefined;
  readonly #parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  readonly #stack: string[] = [];
  readonly #sink: ExportSink;
  #record: OpenRecord | null = null;
  #workout: (ExportWorkout & { input: WorkoutInput }) | null = null;
  #error: Error | null = null;
  #sawRoot = false;

  constructor(sink: ExportSink) {
    this.#sink = sink;
    this.#parser.on('opentag', (tag) => this.#open(tag));
    this.#parser.on('closetag', (tag) => this.#close(tag.name));
    this.#parser.on('error', (error) => {
      this.#error ??= error;
    });
  }

  write(text: string): void {
    this.#parser.write(text);
    this.#throwIfFailed();
  }

  close(): void {
    this.#parser.close();
    this.#throwIfFailed();
    if (!this.#sawRoot) throw notAnExport('the file has no <HealthData> element');
  }

  #throwIfFailed(): void {
    if (!this.#error) return;
    const error = this.#error;
    if (error instanceof TributaryError) throw error;
    throw new TributaryError('bad_request', `export.xml is not well-formed XML: ${error.message}`, {
      parameter: 'file',
    });
  }

  #open(tag: SaxesTagPlain): void {
    const parent = this.#stack[this.#stack.length - 1];
    this.#stack.push(tag.name);
    const a = tag.attributes as Record<string, string>;
    if (parent === undefined) {
      if (tag.name !== 'HealthData')
        this.#error = notAnExport(`the root element is <${tag.name}>, expected <HealthData>`);
      else this.#sawRoot = true;
      return;
    }
    switch (tag.name) {
      case 'Record':
        if (parent === 'HealthData') this.#record = { attributes: a, metadata: null };
        return;
      case 'MetadataEntry':
        if (parent === 'Record' && this.#record) (this.#record.metadata ??= {})[a.key ?? ''] = a.value ?? '';
        else if (parent === 'Workout' && this.#workout) this.#workout.input.metadata[a.key ?? ''] = a.value ?? '';
        return;
      case 'Workout':
        if (parent === 'HealthData') this.#workout = this.#startWorkout(a);
        return;
      case 'WorkoutEvent':
        if (parent === 'Workout' && this.#workout) this.#workoutEvent(this.#workout.input, a);
        return;
      case 'WorkoutStatistics':
        if (parent === 'Workout' && this.#workout)
          this.#workout.input.statistics.push({
            type: a.type ?? '',
            sum: num(a.sum),
            average: num(a.average),
            minimum: num(a.minimum),
            maximum: num(a.maximum),
            unit: a.unit,
          });
        return;
      case 'FileReference':
        if (parent === 'WorkoutRoute' && this.#workout && a.path) this.#workout.routeFile = a.path;
        return;
      case 'Location':
        if (parent === 'WorkoutRoute' && this.#workout) this.#location(this.#workout.input.route, a);
        return;
      case 'ActivitySummary':
        if (parent === 'HealthData') this.#activitySummary(a);
        return;
      case 'ExportDate':
        this.exportDate = a.value;
        return;
      case 'Me':
        this.#me(a);
        return;
    }
  }

  #close(name: string): void {
    this.#stack.pop();
    if (name === 'Record' && this.#record && this.#stack.length === 1) {
      const record = this.#record;
      this.#record = null;
      this.#emitRecord(record);
    } else if (name === 'Workout' && this.#workout && this.#stack.length === 1) {
      const workout = this.#workout;
      this.#workout = null;
      this.counts.workouts++;
      this.#sink.workout(workout);
    }
  }

  #emitRecord({ attributes: a, metadata }: OpenRecord): void {
    this.counts.records++;
    const type = a.type ?? '';
    const quantity = QUANTITY_TYPES[type];
    if (!quantity && !CATEGORY_VALUES[type]) {
      this.counts.otherTypes++;
      return;
    }
    const start = a.startDate ? parseLocalInstant(a.startDate) : undefined;
    const end = a.endDate ? parseLocalInstant(a.endDate) : undefined;
    const sourceName = a.sourceName ?? '';
    if (!start || !end || end.ms < start.ms || !sourceName) {
      this.counts.invalid++;
      return;
    }
    const device = a.device ? cachedDevice(a.device) : undefined;
    const tier = sourceTier({ name: sourceName, deviceModel: device?.model, hardware: device?.hardwareVersion });
    let row: SampleRow | undefined;
    if (quantity) {
      const value = Number(a.value);
      if (a.value === undefined || !Number.isFinite(value)) {
        this.counts.invalid++;
        return;
      }
      try {
        row = quantityRow({ type, start, end, sourceName, tier, metadata: metadata ?? undefined, value, unit: a.unit });
      } catch {
        this.counts.invalid++;
        return;
      }
    } else {
      row = categoryRow({ type, start, end, sourceName, tier, metadata: metadata ?? undefined, value: a.value ?? '' });
    }
    if (row) this.#sink.sample(row);
    else this.counts.invalid++;
  }

  #startWorkout(a: Record<string, string>): ExportWorkout & { input: WorkoutInput } {
    const start = a.startDate ? parseLocalInstant(a.startDate) : undefined;
    const end = a.endDate ? parseLocalInstant(a.endDate) : undefined;
    const quantity = (value: string | undefined, unit: string | undefined) => {
      const n = num(value);
      return n === undefined || !unit ? undefined : { value: n, unit };
    };
    return {
      input: {
        activityType: a.workoutActivityType ?? 'HKWorkoutActivityTypeOther',
        startMs: start?.ms ?? NaN,
        endMs: end?.ms ?? NaN,
        offsetMin: start?.offsetMin ?? 0,
        duration: quantity(a.duration, a.durationUnit),
        sourceName: a.sourceName ?? '',
        device: a.device ? parseDevice(a.device) : undefined,
        totalDistance: quantity(a.totalDistance, a.totalDistanceUnit),
        totalEnergyBurned: quantity(a.totalEnergyBurned, a.totalEnergyBurnedUnit),
        statistics: [],
        metadata: {},
        events: [],
        route: [],
      },
    };
  }

  #workoutEvent(workout: WorkoutInput, a: Record<string, string>): void {
    const date = a.date ? parseLocalInstant(a.date) : undefined;
    if (!date) return;
    const duration = num(a.duration);
    let endMs: number | undefined;
    if (duration !== undefined && a.durationUnit) {
      try {
        endMs = date.ms + toCanonical(duration, a.durationUnit, 'time') * 1000;
      } catch {
        endMs = undefined;
      }
    }
    workout.events.push({ type: a.type ?? '', startMs: date.ms, endMs });
  }

  #location(route: RoutePoint[], a: Record<string, string>): void {
    const date = a.date ? parseLocalInstant(a.date) : undefined;
    const lat = num(a.latitude);
    const lon = num(a.longitude);
    if (!date || lat === undefined || lon === undefined) return;
    route.push({ ms: date.ms, lat, lon, elevation: num(a.altitude), speed: num(a.speed) });
  }

  #activitySummary(a: Record<string, string>): void {
    const date = a.dateComponents;
    if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      this.counts.invalid++;
      return;
    }
    const energyUnit = a.activeEnergyBurnedUnit ?? 'kcal';
    const energy = (value: string | undefined) => {
      const n = num(value);
      if (n === undefined) return undefined;
      try {
        return toCanonical(n, energyUnit, 'energy');
      } catch {
        return undefined;
      }
    };
    const minutes = (value: string | undefined) => {
      const n = num(value);
      return n === undefined ? undefined : n * 60;
    };
    this.counts.activitySummaries++;
    // The summary has no offset of its own; the day's samples provide it when records are built.
    this.#sink.sample(
      activitySummaryRow({
        date,
        offsetMin: 0,
        activeEnergyBurnedKcal: energy(a.activeEnergyBurned),
        activeEnergyBurnedGoalKcal: energy(a.activeEnergyBurnedGoal),
        appleExerciseTimeSeconds: minutes(a.appleExerciseTime),
        appleExerciseTimeGoalSeconds: minutes(a.appleExerciseTimeGoal),
        appleStandHours: num(a.appleStandHours),
        appleStandHoursGoal: num(a.appleStandHoursGoal),
      }),
    );
  }

  #me(a: Record<string, string>): void {
    const dob = a.HKCharacteristicTypeIdentifierDateOfBirth;
    const sex = { HKBiologicalSexMale: 'male', HKBiologicalSexFemale: 'female', HKBiologicalSexOther: 'other' }[
      a.HKCharacteristicTypeIdentifierBiologicalSex ?? ''
    ];
    if (!dob && !sex) return;
    this.#sink.athlete({ ...(dob ? { date_of_birth: dob } : {}), ...(sex ? { sex } : {}) });
  }
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function notAnExport(why: string): TributaryError {
  return new TributaryError('bad_request', `not an Apple Health export: ${why}`, { parameter: 'file' });
}

const DEVICE_FIELD = /(name|manufacturer|model|hardware|software):([^,>]*(?:,\d+(?=[,>]))?)/g;

const deviceCache = new Map<string, DeviceInfo>();

/** parseDevice with a small cache: an export repeats a handful of device strings millions of times. */
function cachedDevice(text: string): DeviceInfo {
  let device = deviceCache.get(text);
  if (!device) {
    if (deviceCache.size > 5000) deviceCache.clear();
    device = parseDevice(text);
    deviceCache.set(text, device);
  }
  return device;
}

/** `<<HKDevice: 0x…>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, software:10.2>` → its fields. */
export function parseDevice(text: string): DeviceInfo {
  const device: DeviceInfo = {};
  for (const [, key, raw] of text.matchAll(DEVICE_FIELD)) {
    const value = raw.trim();
    if (!value) continue;
    if (key === 'name') device.name = value;
    else if (key === 'manufacturer') device.manufacturer = value;
    else if (key === 'model') device.model = value;
    else if (key === 'hardware') device.hardwareVersion = value;
    else if (key === 'software') device.softwareVersion = value;
  }
  return device;
}
