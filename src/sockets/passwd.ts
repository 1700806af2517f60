/**
 * @module sockets/passwd
 * Pure parser for /etc/passwd (`name:x:uid:gid:gecos:home:shell`), used to print user names for
 * socket uids as `netstat -e` does. Malformed lines are skipped; the first name for a uid wins,
 * like getpwuid().
 */

/**
 * Maps uid → user name.
 * @example parsePasswd('root:x:0:0:root:/root:/bin/bash\n').get(0) === 'root'
 */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(':');
    const name = parts[0];
    const uidText = parts[2];
    if (!name || uidText === undefined || !/^\d+$/.test(uidText)) continue;
    const uid = Number(uidText);
    if (!users.has(uid)) users.set(uid, name);
  }
  return users;
}
