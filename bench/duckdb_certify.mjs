// DuckDB reference for `partnerd certify --policy red-2019-v2` (bench/certify.sh).
//
//   node duckdb_certify.mjs --creators C --posts P --as-of 2019-06-01 --out OUT
//                           [--threads N] [--print-sql]
//
// Runs ONE SQL statement, COPY (SELECT ...) TO OUT, that writes the same CSV
// as partnerd certify (default output, no --explain). Session setup
// (threads in the instance config, SET TimeZone = 'UTC') is not part of the
// measured query. Prints one line to stderr: version, threads, query wall time.
import { DuckDBInstance } from '@duckdb/node-api';
import { openSync, readSync, closeSync } from 'node:fs';

function usage(msg) {
  process.stderr.write(`duckdb_certify: ${msg}\n` +
    'usage: node duckdb_certify.mjs --creators C --posts P --as-of DATE|INSTANT --out OUT [--threads N] [--print-sql]\n');
  process.exit(2);
}

const args = { 'window-days': '30' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--print-sql') { args['print-sql'] = true; continue; }
  if (!a.startsWith('--') || i + 1 >= process.argv.length) usage(`bad argument ${a}`);
  args[a.slice(2)] = process.argv[++i];
}
for (const k of ['creators', 'posts', 'as-of', 'out']) if (!args[k]) usage(`missing --${k}`);

// SQL string literal.
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

// as_of: a date means 00:00:00Z; an instant must carry Z or an offset.
const asOf = args['as-of'];
if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/.test(asOf))
  usage(`bad --as-of ${asOf}`);
const windowDays = Number(args['window-days']);
if (!Number.isInteger(windowDays) || windowDays < 1) usage('bad --window-days');

// Columns are matched by header name (order may differ, extra columns are
// ignored), so declare them in the file's own order with explicit types.
function headerColumns(path, types) {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(65536);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let line = buf.subarray(0, n).toString('utf8').split('\n')[0].replace(/\r$/, '').replace(/^\uFEFF/, '');
  const names = line.split(',').map((s) => s.replace(/^"(.*)"$/, '$1'));
  for (const want of Object.keys(types))
    if (!names.includes(want)) { process.stderr.write(`duckdb_certify: ${path}: missing column ${want}\n`); process.exit(1); }
  return '{' + names.map((c) => `${lit(c)}: ${lit(types[c] ?? 'VARCHAR')}`).join(', ') + '}';
}
const creatorCols = headerColumns(args.creators, {
  creator_id: 'BIGINT', handle: 'VARCHAR', category: 'VARCHAR', followers: 'BIGINT', mcn_id: 'BIGINT',
});
const postCols = headerColumns(args.posts, {
  post_id: 'BIGINT', creator_id: 'BIGINT', published_at: 'TIMESTAMPTZ', kind: 'VARCHAR',
  views: 'BIGINT', likes: 'BIGINT', comments: 'BIGINT', collects: 'BIGINT',
});
const csvOpts = "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false";

// red-2019-v2: followers >= 5000, posts >= 1, avg views >= 10000 (exact:
// total_views >= 10000 * posts), organic >= 4 * sponsored, sponsored >= 4.
// avg_views in hundredths, half up: (200 * total + posts) // (2 * posts).
const sql = `
COPY (
  WITH c AS (
    SELECT creator_id, followers
    FROM read_csv(${lit(args.creators)}, ${csvOpts}, columns = ${creatorCols})
  ),
  p AS (
    SELECT creator_id,
           count(*)                                  AS posts,
           count(*) FILTER (WHERE kind = 'sponsored') AS sponsored,
           sum(views)                                AS total_views
    FROM read_csv(${lit(args.posts)}, ${csvOpts}, columns = ${postCols})
    WHERE published_at >= CAST(${lit(asOf)} AS TIMESTAMPTZ) - INTERVAL ${windowDays} DAY
      AND published_at <  CAST(${lit(asOf)} AS TIMESTAMPTZ)
    GROUP BY creator_id
  ),
  j AS (
    SELECT c.creator_id, c.followers,
           coalesce(p.posts, 0)       AS posts,
           coalesce(p.sponsored, 0)   AS sponsored,
           coalesce(p.total_views, 0) AS total_views
    FROM c LEFT JOIN p ON p.creator_id = c.creator_id
  ),
  h AS (
    SELECT *,
           CASE WHEN posts = 0 THEN 0
                ELSE (200 * total_views::HUGEINT + posts) // (2 * posts) END AS hundredths
    FROM j
  )
  SELECT creator_id,
         CASE WHEN followers >= 5000
               AND posts >= 1
               AND total_views >= 10000 * posts
               AND posts - sponsored >= 4 * sponsored
               AND sponsored >= 4 THEN 1 ELSE 0 END AS certified,
         followers,
         posts,
         sponsored,
         (hundredths // 100)::VARCHAR || '.' || lpad((hundredths % 100)::VARCHAR, 2, '0') AS avg_views
  FROM h
  ORDER BY creator_id
) TO ${lit(args.out)} (FORMAT csv, HEADER true, DELIMITER ',')`;

if (args['print-sql']) process.stdout.write(sql.trim() + ';\n');

const config = {};
if (args.threads) config.threads = String(args.threads);
const instance = await DuckDBInstance.create(':memory:', config);
const con = await instance.connect();
// A date-only published_at / as_of is midnight in the session time zone, and
// interval arithmetic follows it: pin it to UTC whatever the machine's TZ is.
// (TimeZone needs the built-in icu extension, loaded only after create(), so
// it cannot go in the instance config.)
await con.run("SET TimeZone = 'UTC'");
const t0 = process.hrtime.bigint();
try {
  await con.run(sql);
} catch (e) {
  process.stderr.write(`duckdb_certify: ${e.message}\n`);
  process.exit(1);
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const info = (await con.runAndReadAll(
  "SELECT version(), current_setting('threads'), current_setting('TimeZone')")).getRows()[0];
process.stderr.write(`duckdb ${info[0]} threads=${info[1]} tz=${info[2]} query_ms=${ms.toFixed(0)}\n`);
