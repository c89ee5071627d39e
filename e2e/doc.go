// Package e2e holds Ledgvero's browser journeys: playwright-go driving headless
// Chromium against a real `ledgvero serve` on a fresh PostgreSQL database.
//
// The journeys build only with the e2e tag (`make test-e2e` sets it up): they need
// Chromium, the Playwright driver from npm and TEST_DATABASE_URL.
package e2e
