// The secret vocabulary of src/repos/logs/redact.ts, written out here on purpose (not imported from
// it): each pattern has a realistic key that contains that pattern and no other, so a word dropped from
// the library's list fails the tests that use it (test/unit/redaction-vocabulary.test.ts,
// test/integration/log-redaction.test.ts).

export const SECRET_PATTERNS: readonly { pattern: string; key: string }[] = [
  { pattern: 'secret', key: 'client_secret' },
  { pattern: 'token', key: 'refresh_token' },
  { pattern: 'password', key: 'db_password' },
  { pattern: 'passwd', key: 'passwd' },
  { pattern: 'passphrase', key: 'key_passphrase' },
  { pattern: 'apikey', key: 'x-api-key' },
  { pattern: 'appkey', key: 'appkey' },
  { pattern: 'authorization', key: 'Proxy-Authorization' },
  { pattern: 'cookie', key: 'Set-Cookie' },
  { pattern: 'privatekey', key: 'private_key' },
  { pattern: 'approvalkey', key: 'approval_key' },
  { pattern: 'seckey', key: 'secKey' },
  { pattern: 'credential', key: 'aws_credentials' },
  { pattern: 'sessionid', key: 'JSESSIONID' },
  { pattern: 'signature', key: 'X-Signature' },
  // Matched as whole keys only (as substrings they would hide 'author', 'cwd'...).
  { pattern: 'pwd', key: 'PWD' },
  { pattern: 'auth', key: 'auth' },
  { pattern: 'xauth', key: 'X-Auth' },
]

export const ACCOUNT_PATTERNS = ['CANO', 'accountNo', 'account_number', 'acct_no', 'ACNT_NO', 'accountNum']

/** A distinct secret per pattern (free of every pattern word), so a leak names the pattern that leaked. */
export const secretOf = (pattern: string): string => `Hx${SECRET_PATTERNS.findIndex((p) => p.pattern === pattern)}q9Zv`
