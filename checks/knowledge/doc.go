// Package knowledge holds the Microsoft facts that checks and report
// writers share: privileged and well-known directory roles, built-in
// authentication strengths, guest and external user types, high-risk OAuth
// scopes, OAuth clients commonly abused in mailbox takeovers, first-party
// app ids and legacy client names. Each fact is defined here once; every
// user reads it from here. The package imports only the standard library.
package knowledge
