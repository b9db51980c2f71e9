import type {Query} from '../pg/query.js'
import type {UserSessions} from './rotation-mode.js'

/**
 * The sessions logged in as one user, by application and client address, ours excluded. Logged in as that
 * user, every column of its own sessions is visible (client_addr is hidden only for other users' sessions
 * without pg_read_all_stats). A session keeps working after its password changes: it needs the new one at its
 * next connection, which is why a rotation lists them first.
 */
const userSessionsSql = `
SELECT coalesce(a.application_name, '') AS application_name,
       host(a.client_addr) AS client_address,
       count(*)::int AS sessions
  FROM pg_stat_activity a
 WHERE a.usename = $1
   AND a.pid <> pg_backend_pid()
   AND a.backend_type = 'client backend'
 GROUP BY 1, 2
 ORDER BY 3 DESC, 1, 2`

export async function listUserSessions(query: Query, username: string): Promise<UserSessions> {
  const {rows} = await query<{application_name: string; client_address: null | string; sessions: number}>(userSessionsSql, [username])
  const groups = rows.map((row) => ({applicationName: row.application_name, clientAddress: row.client_address, sessions: row.sessions}))
  return {groups, total: groups.reduce((sum, group) => sum + group.sessions, 0)}
}
