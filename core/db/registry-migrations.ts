import { sql, type Kysely, type Migration } from 'kysely';

/** Versioned schema of the registry database. Never edit a shipped migration: add the next one. */
export const registryMigrations: Record<string, Migration> = {
  '0001_registry': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text')
        .addColumn('model', 'text')
        .addColumn('sw_version', 'text')
        .addColumn('room_id', 'text', (c) => c.references('rooms.id').onDelete('set null'))
        .addColumn('plugin', 'text', (c) => c.notNull())
        .addColumn('identifiers', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('via_device_id', 'text')
        .addColumn('online', 'integer')
        .addColumn('last_seen', 'integer')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('entities')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('entity_id', 'text', (c) => c.notNull().unique())
        .addColumn('plugin', 'text', (c) => c.notNull())
        .addColumn('unique_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.references('devices.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('unit', 'text')
        .addColumn('device_class', 'text')
        .addColumn('state_class', 'text')
        .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addUniqueConstraint('entities_identity', ['plugin', 'unique_id'])
        .execute();
      await db.schema.createIndex('entities_by_device').on('entities').column('device_id').execute();
      await db.schema
        .createTable('states')
        .addColumn('entity', 'integer', (c) => c.primaryKey().references('entities.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('last_changed', 'integer', (c) => c.notNull())
        .addColumn('last_updated', 'integer', (c) => c.notNull())
        .modifyEnd(sql`without rowid`)
        .execute();
    },
  },
  '0002_events': {
    async up(db: Kysely<any>) {
      // The event log: non-numeric happenings, kept apart from the readings.
      await db.schema
        .createTable('events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('ts', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('entity_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('events_by_time').on('events').column('ts').execute();
      await db.schema.createIndex('events_by_type').on('events').columns(['type', 'ts']).execute();
      await db.schema.createIndex('events_by_device').on('events').columns(['device_id', 'ts']).execute();
    },
  },
  '0003_offline_after': {
    async up(db: Kysely<any>) {
      // How long a device may stay silent before it counts as offline (ms); null: only its last will says so.
      await db.schema.alterTable('devices').addColumn('offline_after', 'integer').execute();
    },
  },
  '0004_device_credentials': {
    async up(db: Kysely<any>) {
      // One MQTT account per provisioned device: the username is the device id; only a scrypt hash is kept.
      await db.schema
        .createTable('device_credentials')
        .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0005_pairing': {
    async up(db: Kysely<any>) {
      // At most one open pairing window ("permit join"); only the key's hash is kept.
      await db.schema
        .createTable('pairing')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('until', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0007_device_approvals': {
    async up(db: Kysely<any>) {
      // discovery.require_approval: devices that announced themselves and wait for a person's yes or no,
      // with the messages that announced them (replayed on approval).
      await db.schema
        .createTable('device_approvals')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('model', 'text')
        .addColumn('manufacturer', 'text')
        .addColumn('first_seen', 'integer', (c) => c.notNull())
        .addColumn('last_seen', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('device_approval_messages')
        .addColumn('device_id', 'text', (c) => c.notNull().references('device_approvals.device_id').onDelete('cascade'))
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('device_approval_messages_pk', ['device_id', 'topic'])
        .execute();
    },
  },
  '0008_users': {
    async up(db: Kysely<any>) {
      // People who use the HTTP API. Only scrypt hashes of passwords and SHA-256 hashes of API tokens are kept.
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('username', 'text', (c) => c.notNull().unique().modifyEnd(sql`collate nocase`))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('preferences', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      // One row per login: a JWT names its session, so logout and password or role changes end it at once.
      await db.schema
        .createTable('user_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_sessions_by_user').on('user_sessions').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('last_used_at', 'integer')
        .addUniqueConstraint('api_tokens_name', ['user_id', 'name'])
        .execute();
    },
  },
  '0009_user_names': {
    async up(db: Kysely<any>) {
      // A name given through the API; it wins over the one the device announces, which would otherwise undo it on every reconnect.
      await db.schema.alterTable('devices').addColumn('name_by_user', 'text').execute();
      await db.schema.alterTable('entities').addColumn('name_by_user', 'text').execute();
    },
  },
};
