import { sql, type Kysely, type Migration } from 'kysely';

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
};
