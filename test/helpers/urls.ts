/** Where the server targets are when the environment does not say (see README, "Tests"). */
export const SERVER_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres'
export const TIMESCALE_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5433/postgres'

/** Admin URL of the plain PostgreSQL target: QUANTDB_TEST_URL, else the default. */
export const serverUrl = (): string => process.env['QUANTDB_TEST_URL'] ?? SERVER_URL_DEFAULT
/** Admin URL of the TimescaleDB server target: QUANTDB_TIMESCALE_URL, else the default. */
export const timescaleUrl = (): string => process.env['QUANTDB_TIMESCALE_URL'] ?? TIMESCALE_URL_DEFAULT
