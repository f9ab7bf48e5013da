import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes a synthetic Apple Health export.xml of at least `targetBytes`, shaped like a real
 * one (DTD header, device strings, metadata entries, HRV beat lists, iPhone + Watch overlap,
 * sleep stages, weekly workouts with statistics), and returns its exact expected totals.
 * Values are integers or exact decimals so that totals compare exactly.
 */
export interface GeneratedExport {
  bytes: number;
  days: number;
  records: number;
  workouts: number;
  /** Per local date (+01:00): what the Daily record must say. */
  expectedSteps: Map<string, number>;
  totalSteps: number;
  /** Sum over all days of the Watch's distance, in metres. */
  totalDistanceMeters: number;
  totalActiveKcal: number;
  totalWorkoutDistanceMeters: number;
  /** Expected HR summary of the first day. */
  firstDay: { date: string; avgHr: number; minHr: number; maxHr: number; weightKg: number; hrvAvg: number };
}

const WATCH = `sourceName="Alex’s Apple Watch" sourceVersion="10.2" device="&lt;&lt;HKDevice: 0x3012772a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, software:10.2&gt;"`;
const PHONE = `sourceName="Alex’s iPhone" sourceVersion="17.2.1" device="&lt;&lt;HKDevice: 0x3012774b0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2, software:17.2.1&gt;"`;
const OFFSET = '+0100';
const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
]>
<HealthData locale="en_NL">
 <ExportDate value="2030-01-01 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-05-20" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"/>
`;

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const TIMES: string[] = [];
for (let m = 0; m < 24 * 60; m++) TIMES.push(`${pad(Math.floor(m / 60))}:${pad(m % 60)}:00`);

function at(date: string, minute: number): string {
  return `${date} ${TIMES[minute]} ${OFFSET}`;
}

export async function generateExport(path: string, targetBytes: number): Promise<GeneratedExport> {
  const out = createWriteStream(path, { highWaterMark: 4 << 20 });
  let bytes = 0;
  let buffer = '';
  const write = async (text: string) => {
    buffer += text;
    if (buffer.length < 2_000_000) return;
    const chunk = Buffer.from(buffer);
    buffer = '';
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(HEADER);
  const result: GeneratedExport = {
    bytes: 0,
    days: 0,
    records: 0,
    workouts: 0,
    expectedSteps: new Map(),
    totalSteps: 0,
    totalDistanceMeters: 0,
    totalActiveKcal: 0,
    totalWorkoutDistanceMeters: 0,
    firstDay: { date: '', avgHr: 0, minHr: 0, maxHr: 0, weightKg: 0, hrvAvg: 0 },
  };
  let day = Date.UTC(2012, 0, 1);
  while (bytes + buffer.length < targetBytes) {
    const date = new Date(day).toISOString().slice(0, 10);
    const d = result.days;
    let text = '';
    let steps = 0;
    let hrSum = 0;
    let hrMin = Infinity;
    let hrMax = -Infinity;
    // Heart rate every 12 minutes.
    for (let i = 0; i < 120; i++) {
      const bpm = 55 + ((i * 7 + d) % 90);
      hrSum += bpm;
      hrMin = Math.min(hrMin, bpm);
      hrMax = Math.max(hrMax, bpm);
      const t = at(date, i * 12);
      text += ` <Record type="HKQuantityTypeIdentifierHeartRate" ${WATCH} unit="count/min" creationDate="${t}" startDate="${t}" endDate="${t}" value="${bpm}">\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="${i % 3}"/>\n </Record>\n`;
    }
    // HRV every two hours, with its beat-to-beat list (the bulk of real exports).
    let hrvSum = 0;
    for (let i = 0; i < 12; i++) {
      const sdnn = 30 + ((i * 5 + d) % 40);
      hrvSum += sdnn;
      const t = at(date, i * 120 + 5);
      let beats = '';
      for (let b = 0; b < 80; b++)
        beats += `    <InstantaneousBeatsPerMinute bpm="${60 + (b % 20)}" time="${pad(Math.floor((i * 120 + 5) / 60))}:${pad((i * 120 + 5) % 60)}:${pad(b % 60)}.${b % 10}2 PM"/>\n`;
      text += ` <Record type="HKQuantityTypeIdentifierHeartRateVariabilitySDNN" ${WATCH} unit="ms" creationDate="${t}" startDate="${t}" endDate="${at(date, i * 120 + 6)}" value="${sdnn}">\n  <HeartRateVariabilityMetadataList>\n${beats}  </HeartRateVariabilityMetadataList>\n </Record>\n`;
    }
    // Steps, distance, energy: Watch every 30 min (10-min samples); the iPhone counts the
    // same 10 minutes for the first 24 (must not count) and 12 slots alone (must count).
    let distanceM = 0;
    let activeKcal = 0;
    for (let i = 0; i < 48; i++) {
      const start = i * 30;
      const value = 50 + ((i + d) % 40);
      steps += value;
      distanceM += value * 0.75;
      activeKcal += 5 + (i % 4);
      const s = at(date, start);
      const e = at(date, start + 10);
      text += ` <Record type="HKQuantityTypeIdentifierStepCount" ${WATCH} unit="count" creationDate="${e}" startDate="${s}" endDate="${e}" value="${value}"/>\n`;
      text += ` <Record type="HKQuantityTypeIdentifierDistanceWalkingRunning" ${WATCH} unit="km" creationDate="${e}" startDate="${s}" endDate="${e}" value="${(value * 0.75) / 1000}"/>\n`;
      text += ` <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" ${WATCH} unit="kcal" creationDate="${e}" startDate="${s}" endDate="${e}" value="${5 + (i % 4)}"/>\n`;
      if (i < 24)
        text += ` <Record type="HKQuantityTypeIdentifierStepCount" ${PHONE} unit="count" creationDate="${e}" startDate="${s}" endDate="${e}" value="${value + 7}"/>\n`;
      if (i % 4 === 0) {
        const alone = 20 + (i % 7);
        steps += alone;
        text += ` <Record type="HKQuantityTypeIdentifierStepCount" ${PHONE} unit="count" creationDate="${at(date, start + 25)}" startDate="${at(date, start + 15)}" endDate="${at(date, start + 25)}" value="${alone}"/>\n`;
      }
    }
    // Weight in pounds, once a day.
    const pounds = 150 + (d % 20);
    text += ` <Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Withings" sourceVersion="6.1" unit="lb" creationDate="${at(date, 420)}" startDate="${at(date, 420)}" endDate="${at(date, 420)}" value="${pounds}"/>\n`;
    // Sleep stages of the night starting at 23:00 this day.
    const next = new Date(day + 86_400_000).toISOString().slice(0, 10);
    const stage = (value: string, from: string, to: string) =>
      ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" ${WATCH} creationDate="${at(next, 400)}" startDate="${from}" endDate="${to}" value="HKCategoryValueSleepAnalysis${value}">\n  <MetadataEntry key="HKTimeZone" value="Europe/Amsterdam"/>\n </Record>\n`;
    text +=
      stage('AsleepCore', at(date, 23 * 60), at(next, 120)) +
      stage('AsleepDeep', at(next, 120), at(next, 180)) +
      stage('AsleepREM', at(next, 180), at(next, 240)) +
      stage('AsleepCore', at(next, 240), at(next, 390));
    // A weekly run, totals in WorkoutStatistics only (modern exports).
    if (d % 7 === 0) {
      const miles = 3 + (d % 5);
      result.totalWorkoutDistanceMeters += miles * 1609.344;
      result.workouts++;
      text += ` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="40" durationUnit="min" ${WATCH} creationDate="${at(date, 1101)}" startDate="${at(date, 1050)}" endDate="${at(date, 1095)}">\n  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n  <WorkoutEvent type="HKWorkoutEventTypePause" date="${at(date, 1070)}"/>\n  <WorkoutEvent type="HKWorkoutEventTypeResume" date="${at(date, 1075)}"/>\n  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="${at(date, 1050)}" endDate="${at(date, 1095)}" sum="${miles}" unit="mi"/>\n  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="${at(date, 1050)}" endDate="${at(date, 1095)}" sum="${1000 + d}" unit="kJ"/>\n  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="${at(date, 1050)}" endDate="${at(date, 1095)}" average="150" minimum="120" maximum="175" unit="count/min"/>\n </Workout>\n`;
    }
    result.records += 120 + 12 + 48 * 3 + 24 + 12 + 1 + 4;
    result.expectedSteps.set(date, steps);
    result.totalSteps += steps;
    result.totalDistanceMeters += distanceM;
    result.totalActiveKcal += activeKcal;
    if (d === 0)
      result.firstDay = {
        date,
        avgHr: hrSum / 120,
        minHr: hrMin,
        maxHr: hrMax,
        weightKg: pounds * 0.45359237,
        hrvAvg: hrvSum / 12,
      };
    result.days++;
    day += 86_400_000;
    await write(text);
  }
  await write('</HealthData>\n');
  const rest = Buffer.from(buffer);
  bytes += rest.length;
  out.end(rest);
  await once(out, 'finish');
  result.bytes = bytes;
  return result;
}
