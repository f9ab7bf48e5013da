/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are freely shaped JSON */
/** Small Terra-shaped records for API tests (the full model is validated elsewhere). */
export function activity(id: string, start: string, minutes = 30): Record<string, any> {
  const startMs = Date.parse(start);
  const end = new Date(startMs + minutes * 60_000).toISOString();
  return {
    metadata: { summary_id: id, start_time: start, end_time: end, type: 8, upload_type: 1, name: `Run ${id}` },
    distance_data: { summary: { distance_meters: 5000 } },
    heart_rate_data: {
      summary: { avg_hr_bpm: 140, max_hr_bpm: 170 },
      detailed: {
        hr_samples: [0, 60, 120].map((s) => ({
          timestamp: new Date(startMs + s * 1000).toISOString(),
          bpm: 120 + s / 10,
        })),
      },
    },
  };
}

export function body(day: string, weightKg = 70): Record<string, any> {
  return {
    metadata: { start_time: `${day}T00:00:00.000000+00:00`, end_time: `${day}T23:59:59.999999+00:00` },
    measurements_data: { measurements: [{ measurement_time: `${day}T07:00:00+00:00`, weight_kg: weightKg }] },
  };
}

export function nutrition(day: string, calories = 2000): Record<string, any> {
  return {
    metadata: { start_time: `${day}T00:00:00+00:00`, end_time: `${day}T23:59:59+00:00` },
    summary: { macros: { calories } },
  };
}

export function plannedWorkout(id: string, plannedDate: string): Record<string, any> {
  return {
    metadata: { id, name: `Plan ${id}`, type: 'RUNNING', planned_date: plannedDate, created_date: plannedDate },
    steps: [{ type: 'STEP', order: 0, intensity: 'WARMUP', durations: [{ duration_type: 'TIME', seconds: 600 }] }],
  };
}
