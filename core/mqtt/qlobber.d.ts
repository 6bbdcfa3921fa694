// The part of qlobber (MQTT topic matching, the trie aedes's default router uses) that topic-router.ts needs; the package ships no types.
declare module 'qlobber' {
  export interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
  }
  export class Qlobber<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    /** Every value added under a filter the topic matches (one entry per add). */
    match(topic: string): V[];
  }
}
