// Krag's addition to the benchmark harness: the Better Auth reference server on PostgreSQL.
// bench/run.sh installs it in a scratch copy of the harness as auth-options.mjs, with the
// harness's own file renamed auth-options.base.mjs; DB=postgres then uses a `pg` Pool, every
// other DB value the harness's own code.
import * as base from "./auth-options.base.mjs";

export const SECRET = base.SECRET;
export const makeOptions = base.makeOptions;

export async function makeDatabase() {
  if (process.env.DB !== "postgres") return base.makeDatabase();
  const { Pool } = await import("pg");
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL || 10),
  });
  return { kind: "postgres", database: pool, close: () => pool.end() };
}
