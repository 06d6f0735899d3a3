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
 * constraint is standard SQL. Counts are at most 10^15 (util/num.h), far
 * inside 64 bits.
 *
 * Migration 2 adds online certification (see store.h and
 * docs/internals/online-certification.md): stored, versioned policies and
 * their activations; one row of online state (the policy in force and the
 * day the aggregates are for); per-creator window aggregates and verdict as
 * columns of creators, so that discovery filters and sorts on them with
 * plain indexes; the status history; and an FTS5 index over handle, bio
 * and category kept in step with creators by triggers.
 *
 * Migration 3 adds server_keys: keys the server makes once (see below).
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

static const char online_certification[] =
    /* A policy is never changed once stored: a new text under the same name
     * is the next version. body is the policy's JSON (docs/policies.md). */
    "CREATE TABLE policies (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL,\n"
    "    version INTEGER NOT NULL CHECK (version >= 1),\n"
    "    body TEXT NOT NULL,\n"
    "    created_by INTEGER REFERENCES users(id),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    UNIQUE (name, version)\n"
    ");\n"
    /* An operator's decision that a policy governs from a day on (days since
     * 1970-01-01, UTC). applied_at is set when it took effect. */
    "CREATE TABLE policy_activations (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    policy_id INTEGER NOT NULL REFERENCES policies(id),\n"
    "    from_day INTEGER NOT NULL,\n"
    "    activated_by INTEGER REFERENCES users(id),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    applied_at INTEGER\n"
    ");\n"
    "CREATE INDEX policy_activations_pending ON policy_activations(applied_at, from_day);\n"
    /* The one row of online state: the policy in force (NULL: none yet), the
     * window the aggregates hold (window_days; 30 while no policy is in
     * force, so that discovery still shows average views and engagement),
     * the day they are for (0: never set), and stale = 1 when they must be
     * recomputed from the posts (after a bulk import) before they are
     * trusted. */
    "CREATE TABLE online_state (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    policy_id INTEGER REFERENCES policies(id),\n"
    "    window_days INTEGER NOT NULL CHECK (window_days >= 0),\n"
    "    today INTEGER NOT NULL,\n"
    "    stale INTEGER NOT NULL CHECK (stale IN (0, 1))\n"
    ");\n"
    "INSERT INTO online_state (id, policy_id, window_days, today, stale) VALUES (1, NULL, 30, 0, "
    "1);\n"
    /* The window of each creator: posts published on or after the first day
     * of the window ending on online_state.today (later posts included, so a
     * day's sweep only ever takes posts out). engagements = likes + comments
     * + collects. avg_views in hundredths, rounded as certification.md says;
     * engagement_bp = engagements * 10000 / views, rounded down (0 without
     * views). failed_rules is the bit mask of core/policy.h (0 and
     * certified = 0 when no policy is in force); status_since when the
     * verdict last changed. */
    "ALTER TABLE creators ADD COLUMN win_posts INTEGER NOT NULL DEFAULT 0 CHECK (win_posts >= 0);\n"
    "ALTER TABLE creators ADD COLUMN win_sponsored INTEGER NOT NULL DEFAULT 0\n"
    "    CHECK (win_sponsored >= 0 AND win_sponsored <= win_posts);\n"
    "ALTER TABLE creators ADD COLUMN win_views INTEGER NOT NULL DEFAULT 0 CHECK (win_views >= 0);\n"
    "ALTER TABLE creators ADD COLUMN win_engagements INTEGER NOT NULL DEFAULT 0\n"
    "    CHECK (win_engagements >= 0);\n"
    "ALTER TABLE creators ADD COLUMN avg_views INTEGER NOT NULL DEFAULT 0 CHECK (avg_views >= 0);\n"
    "ALTER TABLE creators ADD COLUMN engagement_bp INTEGER NOT NULL DEFAULT 0\n"
    "    CHECK (engagement_bp >= 0);\n"
    "ALTER TABLE creators ADD COLUMN certified INTEGER NOT NULL DEFAULT 0\n"
    "    CHECK (certified IN (0, 1));\n"
    "ALTER TABLE creators ADD COLUMN failed_rules INTEGER NOT NULL DEFAULT 0\n"
    "    CHECK (failed_rules >= 0);\n"
    "ALTER TABLE creators ADD COLUMN status_since INTEGER NOT NULL DEFAULT 0;\n"
    /* Discovery (src/store/sqlite_search.c says which query reads which):
     * each sort's key with id, walked backwards for "highest first, ties by
     * higher id"; category and certification, the filters brands use most,
     * in followers order. After (key, id) each holds every other filtered
     * column, so a query checks its filters (and a probe counts) on index
     * entries alone and reads the table for the rows it returns only. The
     * certified ones are partial indexes (only the certified rows, so small,
     * and they count the certified too); queries name them with the literal
     * "certified = 1" they need. */
    "CREATE INDEX creators_by_followers ON creators(followers, id, certified, category, mcn_id,\n"
    "    avg_views, engagement_bp);\n"
    "CREATE INDEX creators_by_avg_views ON creators(avg_views, id, certified, category,\n"
    "    followers, mcn_id, engagement_bp);\n"
    "CREATE INDEX creators_by_engagement ON creators(engagement_bp, id, certified, category,\n"
    "    followers, mcn_id, avg_views);\n"
    "CREATE INDEX creators_by_created ON creators(created_at, id, certified, category,\n"
    "    followers, mcn_id, avg_views, engagement_bp);\n"
    "CREATE INDEX creators_by_category ON creators(category, followers, id, certified, mcn_id,\n"
    "    avg_views, engagement_bp);\n"
    "CREATE INDEX creators_certified ON creators(followers, id, category, mcn_id, avg_views,\n"
    "    engagement_bp) WHERE certified = 1;\n"
    "CREATE INDEX creators_certified_by_category ON creators(category, followers, id, mcn_id,\n"
    "    avg_views, engagement_bp) WHERE certified = 1;\n"
    "CREATE INDEX creators_certified_by_avg_views ON creators(avg_views, id, category,\n"
    "    followers, mcn_id, engagement_bp) WHERE certified = 1;\n"
    "CREATE INDEX creators_certified_by_engagement ON creators(engagement_bp, id, category,\n"
    "    followers, mcn_id, avg_views) WHERE certified = 1;\n"
    /* The day sweep. */
    "CREATE INDEX posts_by_time ON posts(published_at);\n"
    /* Every change of a creator's verdict: gained or lost (certified), under
     * which policy, the failed rules (mask) and their explanation as it read
     * then, and what caused it ('post', 'metrics', 'followers', 'day',
     * 'policy', 'import'). */
    "CREATE TABLE status_history (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    creator_id INTEGER NOT NULL REFERENCES creators(id),\n"
    "    at INTEGER NOT NULL,\n"
    "    certified INTEGER NOT NULL CHECK (certified IN (0, 1)),\n"
    "    policy_id INTEGER REFERENCES policies(id),\n"
    "    failed_rules INTEGER NOT NULL CHECK (failed_rules >= 0),\n"
    "    explanation TEXT NOT NULL,\n"
    "    cause TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX status_history_by_creator ON status_history(creator_id, id);\n"
    /* Text search over handle and bio, an external-content FTS5 table kept
     * in step by triggers. It indexes the category too, so that text and a
     * category are one intersection inside the index (discovery still
     * checks the category exactly). */
    "CREATE VIRTUAL TABLE creators_fts USING fts5(handle, bio, category, content='creators',\n"
    "    content_rowid='id', tokenize='unicode61 remove_diacritics 2');\n"
    "INSERT INTO creators_fts(creators_fts) VALUES ('rebuild');\n"
    "CREATE TRIGGER creators_fts_insert AFTER INSERT ON creators BEGIN\n"
    "    INSERT INTO creators_fts(rowid, handle, bio, category)\n"
    "        VALUES (new.id, new.handle, new.bio, new.category);\n"
    "END;\n"
    "CREATE TRIGGER creators_fts_delete AFTER DELETE ON creators BEGIN\n"
    "    INSERT INTO creators_fts(creators_fts, rowid, handle, bio, category)\n"
    "        VALUES ('delete', old.id, old.handle, old.bio, old.category);\n"
    "END;\n"
    "CREATE TRIGGER creators_fts_update AFTER UPDATE OF handle, bio, category ON creators BEGIN\n"
    "    INSERT INTO creators_fts(creators_fts, rowid, handle, bio, category)\n"
    "        VALUES ('delete', old.id, old.handle, old.bio, old.category);\n"
    "    INSERT INTO creators_fts(rowid, handle, bio, category)\n"
    "        VALUES (new.id, new.handle, new.bio, new.category);\n"
    "END;\n";

/* Keys the server makes once and every process of the database then shares,
 * so that what they sign outlives a restart: the key of the device proofs
 * (auth/device.h, docs/internals/sign-in.md). A stolen database gives them
 * away: they prove only where someone signed in before, and grant nothing. */
static const char server_keys[] = "CREATE TABLE server_keys (\n"
                                  "    name TEXT PRIMARY KEY,\n"
                                  "    key BLOB NOT NULL CHECK (length(key) >= 16),\n"
                                  "    created_at INTEGER NOT NULL\n"
                                  ");\n";

const pd_migration pd_sqlite_migrations[] = {
    {1, "accounts, brands, MCNs, creators with follower history, posts", initial_schema},
    {2,
     "online certification: policies, activations, window aggregates, status history, "
     "creator search",
     online_certification},
    {3, "server keys: the device-proof key of sign-in", server_keys},
};

const size_t pd_sqlite_migration_count =
    sizeof pd_sqlite_migrations / sizeof pd_sqlite_migrations[0];
