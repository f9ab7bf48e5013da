/**
 * The per-attempt budget of a delivery in tests (TRIBUTARY_WEBHOOK_TIMEOUT_MS of a test app,
 * `services.timeoutMs` of a destination under test). It only bounds an attempt that hangs; a
 * local receiver, server or emulator answers far within it even on a loaded two-core machine,
 * so no test's outcome depends on the machine's load through it. Tests of timeouts set their own.
 */
export const ATTEMPT_BUDGET_MS = 30_000;
