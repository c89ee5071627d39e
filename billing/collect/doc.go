// Package collect automates collections: reminder policies per segment, the daily
// cadence engine that e-mails each customer at most once a day about every invoice
// at a step, the customer's reminder schedule with pause, snooze and send-now, and
// the River jobs that run it.
//
// The engine evaluates every open invoice with set-based SQL and then, per chunk
// of customers, writes the (invoice, step) keys and the outbox e-mail in one
// transaction. The primary key of reminder_sends is what sends each step at most
// once, whatever the number of processes, retries or crashes.
package collect
