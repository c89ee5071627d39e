// Package billing is Ledgvero's domain: customers, contacts, invoices, payments and
// their allocations, terms, the timeline and the rules that decide what is owed.
//
// It holds plain types and functions plus the PostgreSQL store behind them. It knows
// nothing of HTTP: the portal and back office parse requests, call billing and render.
package billing
