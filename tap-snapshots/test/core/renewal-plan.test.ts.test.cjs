/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/core/renewal-plan.test.ts > TAP > the default policy and what it means (snapshot: a changed default shows up in review) > defaultPolicy() 1`] = `
Object {
  "meaning": Object {
    "1 h": Object {
      "renewAfterEarliest": "37 min",
      "renewAfterLatest": "40 min",
      "servedUntilBeforeExpiry": "5 s",
    },
    "12 h": Object {
      "renewAfterEarliest": "695 min",
      "renewAfterLatest": "700 min",
      "servedUntilBeforeExpiry": "5 s",
    },
    "15 min": Object {
      "renewAfterEarliest": "5.25 min",
      "renewAfterLatest": "6 min",
      "servedUntilBeforeExpiry": "5 s",
    },
  },
  "MIN_USEFUL_LIFETIME": 5000,
  "policy": Object {
    "before": 1200000,
    "expiryMargin": 5000,
    "jitterFraction": 0.05,
    "leadFraction": 0.6,
    "maxJitter": 300000,
    "minInterval": 1000,
    "permanentRecheck": 600000,
    "retryBase": 1000,
    "retryCap": 300000,
  },
  "retries": Array [
    "retry 1: up to 1 s",
    "retry 2: up to 2 s",
    "retry 3: up to 4 s",
    "retry 4: up to 8 s",
    "retry 5: up to 16 s",
    "retry 6: up to 32 s",
    "retry 7: up to 64 s",
    "retry 8: up to 128 s",
    "retry 9: up to 256 s",
    "retry 10: up to 300 s",
  ],
}
`
