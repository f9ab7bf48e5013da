/**
 * Lookups over the generated enum tables (`ActivityType`, `SleepLevel`, … in
 * generated/terra-types.ts), e.g. `enumName(ActivityType, 8)` → `'RUNNING'`,
 * `enumCode(ActivityType, 'RUNNING')` → `8`.
 */
type EnumTable = Readonly<Record<string, string | number>>;

/** The member name of a code, or undefined when the code is not in the table. */
export function enumName<T extends EnumTable>(table: T, code: unknown): (keyof T & string) | undefined {
  for (const [name, value] of Object.entries(table)) if (value === code) return name;
  return undefined;
}

/** The code of a member name, or undefined when the name is not in the table. */
export function enumCode<T extends EnumTable>(table: T, name: string): T[keyof T] | undefined {
  return Object.hasOwn(table, name) ? (table[name] as T[keyof T]) : undefined;
}

/** Whether `value` is one of the table's codes (a type guard on the enum's union). */
export function isEnumCode<T extends EnumTable>(table: T, value: unknown): value is T[keyof T] {
  return Object.values(table).includes(value as string | number);
}
