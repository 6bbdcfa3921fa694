import { sql, type Kysely, type Migration } from 'kysely';

/** Columns shared by both rollup tables: enough to merge buckets into wider ones exactly. */
function rollupTable(db: Kysely<any>, name: string) {
  return db.schema
    .createTable(name)
    .addColumn('entity', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull()) // bucket start, ms epoch
    .addColumn('min', 'real', (c) => c.notNull())
    .addColumn('max', 'real', (c) => c.notNull())
    .addColumn('sum', 'real', (c) => c.notNull()) // mean = sum / count, so buckets merge without error
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last', 'real', (c) => c.notNull())
    .addColumn('last_ts', 'integer', (c) => c.notNull()) // keeps `last` right when readings arrive out of order
    .addPrimaryKeyConstraint(`${name}_pk`, ['entity', 'bucket'])
    .modifyEnd(sql`without rowid`);
}

export const timeseriesMigrations: Record<string, Migration> = {
  '0001_readings': {
    async up(db: Kysely<any>) {
      // WITHOUT ROWID clustered on (entity, ts): a range query for one entity is
      // one sequential scan and there is no second index to store.
      await db.schema
        .createTable('readings')
        .addColumn('entity', 'integer', (c) => c.notNull())
        .addColumn('ts', 'integer', (c) => c.notNull())
        .addColumn('value', 'real', (c) => c.notNull())
        .addPrimaryKeyConstraint('readings_pk', ['entity', 'ts'])
        .modifyEnd(sql`without rowid`)
        .execute();
    },
  },
  '0002_rollups': {
    async up(db: Kysely<any>) {
      // The readings layout stays: measured at 23-25 bytes a reading (page size
      // 4096/8192/16384 made no difference). Readings from 0001 would have no
      // rollups and no series row, so history and purge would disagree with
      // them; no installation has any yet, so they go rather than get a backfill.
      await sql`delete from readings`.execute(db);
      await rollupTable(db, 'rollup_1m').execute();
      // `increase`: the counter consumption in the hour (see SqliteTimeSeries).
      await rollupTable(db, 'rollup_1h')
        .addColumn('increase', 'real', (c) => c.notNull().defaultTo(0))
        .execute();
      // One row per entity ever written: what purge walks, and per source the
      // cut-off below which data may have been purged, so history falls back to
      // a coarser source instead of answering from a half-deleted one.
      await db.schema
        .createTable('series')
        .addColumn('entity', 'integer', (c) => c.primaryKey())
        .addColumn('raw_before', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('minute_before', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('hour_before', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};
