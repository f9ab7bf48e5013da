/**
 * A wake-up signal between in-process components (e.g. "events were committed" from the
 * writers to the delivery dispatcher). It carries no data: listeners re-read the store,
 * so a missed signal only delays work, it never loses it.
 */
export class Signal {
  readonly #listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.#listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
