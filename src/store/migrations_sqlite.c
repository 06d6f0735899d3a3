/* migrations_sqlite.c - the SQLite schema, as an ordered list of migrations.
 *
 * Each migration is applied once, in its own transaction, and recorded in
 * schema_version (which the runner in sqlite.c creates). A migration is
 * never edited once released: a change to the schema is a new migration at
 * the end of the list.
 *
 * Written to be mirrored by PostgreSQL: ids are 64-bit integers given by
 * the data files or by the store (INTEGER PRIMARY KEY is SQLite's spelling
 * of a BIGINT key; there it is also the row's storage key, which keeps
 * lookups and in-order bulk loads fast); times are integer seconds since
 * the epoch (a post's instant adds its nanoseconds); flags are 0/1 integers
 * with a CHECK; text is TEXT; the token hash is a BLOB (BYTEA there). Every
 * constraint is standard SQL. Counts are at most 10^15 (core/num.h), far
 * inside 64 bits.
 *
 * Room is left, under names nothing else takes, for what a later migration
 * adds: certification policies and their activation (policies), per-creator
 * window aggregates (creator_windows) and the status history of each
 * creator (creator_status).
 */
#include "store/backend.h"

static const char initial_schema[] =
    /* Brands run a store on the platform; their staff log in as users. */
    "CREATE TABLE brands (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    /* Multi-channel networks. creators.csv names them by id only, so an
     * import creates the ones it meets; names need not be unique. */
    "CREATE TABLE mcns (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE creators (\n"
    "    id INTEGER PRIMARY KEY CHECK (id >= 1),\n"
    "    handle TEXT NOT NULL,\n"
    "    category TEXT NOT NULL,\n"
    "    bio TEXT NOT NULL DEFAULT '',\n"
    "    followers INTEGER NOT NULL CHECK (followers >= 0),\n"
    "    mcn_id INTEGER REFERENCES mcns(id),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX creators_by_mcn ON creators(mcn_id);\n"
    /* Every follower count a creator had, from when it was set. */
    "CREATE TABLE follower_history (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    creator_id INTEGER NOT NULL REFERENCES creators(id),\n"
    "    at INTEGER NOT NULL,\n"
    "    followers INTEGER NOT NULL CHECK (followers >= 0)\n"
    ");\n"
    "CREATE INDEX follower_history_by_creator ON follower_history(creator_id, at);\n"
    "CREATE TABLE posts (\n"
    "    id INTEGER PRIMARY KEY CHECK (id >= 1),\n"
    "    creator_id INTEGER NOT NULL REFERENCES creators(id),\n"
    "    published_at INTEGER NOT NULL,\n"
    "    published_nsec INTEGER NOT NULL DEFAULT 0\n"
    "        CHECK (published_nsec >= 0 AND published_nsec < 1000000000),\n"
    "    sponsored INTEGER NOT NULL CHECK (sponsored IN (0, 1)),\n"
    "    views INTEGER NOT NULL CHECK (views >= 0),\n"
    "    likes INTEGER NOT NULL CHECK (likes >= 0),\n"
    "    comments INTEGER NOT NULL CHECK (comments >= 0),\n"
    "    collects INTEGER NOT NULL CHECK (collects >= 0)\n"
    ");\n"
    /* A creator's posts in time order: windows, profiles, certification. */
    "CREATE INDEX posts_by_creator_time ON posts(creator_id, published_at);\n"
    /* Accounts. A user's role decides which one link it has: a brand's
     * staff its brand, a creator their profile, an MCN manager their MCN,
     * an operator none. */
    "CREATE TABLE users (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    role TEXT NOT NULL CHECK (role IN ('operator', 'brand', 'creator', 'mcn')),\n"
    "    brand_id INTEGER REFERENCES brands(id),\n"
    "    creator_id INTEGER REFERENCES creators(id),\n"
    "    mcn_id INTEGER REFERENCES mcns(id),\n"
    "    password_hash TEXT NOT NULL,\n"
    "    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    CHECK ((brand_id IS NOT NULL) = (role = 'brand')),\n"
    "    CHECK ((creator_id IS NOT NULL) = (role = 'creator')),\n"
    "    CHECK ((mcn_id IS NOT NULL) = (role = 'mcn'))\n"
    ");\n"
    "CREATE INDEX users_by_brand ON users(brand_id);\n"
    "CREATE INDEX users_by_creator ON users(creator_id);\n"
    "CREATE INDEX users_by_mcn ON users(mcn_id);\n"
    /* Bearer tokens, stored as the SHA-256 of the token: a stolen database
     * holds no usable token. */
    "CREATE TABLE tokens (\n"
    "    hash BLOB PRIMARY KEY CHECK (length(hash) = 32),\n"
    "    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX tokens_by_user ON tokens(user_id);\n"
    "CREATE INDEX tokens_by_expiry ON tokens(expires_at);\n";

const pd_migration pd_sqlite_migrations[] = {
    {1, "accounts, brands, MCNs, creators with follower history, posts", initial_schema},
};

const size_t pd_sqlite_migration_count =
    sizeof pd_sqlite_migrations / sizeof pd_sqlite_migrations[0];
