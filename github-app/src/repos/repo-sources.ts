import type { RepoSource } from './repo-source.js';

/** The repositories this hub reads flows from, by name. */
export class RepoSources {
  private readonly byName = new Map<string, RepoSource>();

  constructor(sources: RepoSource[] = []) {
    for (const source of sources) this.add(source);
  }

  /** Adds (or replaces) a source under its name. */
  add(source: RepoSource): void {
    this.byName.set(source.name, source);
  }

  get(name: string): RepoSource | undefined {
    return this.byName.get(name);
  }

  list(): RepoSource[] {
    return [...this.byName.values()];
  }
}
