/** What a plugin knows about one key of a device model: filled in where an announce leaves it out. */
export interface EntityDefaults {
  name?: string;
  unit?: string;
  device_class?: string;
  state_class?: 'measurement' | 'total' | 'total_increasing';
}

type Fields = { -readonly [K in keyof EntityDefaults]?: EntityDefaults[K] };

/**
 * Per device model, per entity key: the units, classes and names a plugin that
 * knows the model vouches for. An older firmware that announces bare keys then
 * still gets °C and a temperature device class; what a device does announce
 * always wins.
 */
export class AnnounceDefaults {
  private readonly byModel = new Map<string, Array<Readonly<Record<string, EntityDefaults>>>>();

  /** Registers defaults for `model`; returns what takes them back. */
  add(model: string, defaults: Readonly<Record<string, EntityDefaults>>): () => void {
    let list = this.byModel.get(model);
    if (!list) this.byModel.set(model, (list = []));
    list.push(defaults);
    return () => {
      const i = list.indexOf(defaults);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** The entity with every field it left out filled from the model's defaults (the first registered wins). */
  apply<E extends Fields & { key: string }>(model: string | undefined, entity: E): E {
    const list = model === undefined ? undefined : this.byModel.get(model);
    if (!list || list.length === 0) return entity;
    const filled = { ...entity };
    for (const defaults of list) {
      const known = defaults[entity.key];
      if (!known) continue;
      for (const field of ['name', 'unit', 'device_class', 'state_class'] as const) {
        if (filled[field] === undefined && known[field] !== undefined) (filled as Fields)[field] = known[field] as never;
      }
    }
    return filled;
  }
}
