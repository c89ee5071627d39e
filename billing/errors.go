package billing

import "errors"

// ErrNotFound reports a record that does not exist or that the caller may not see.
// Callers answer both cases the same way so that ids cannot be probed.
var ErrNotFound = errors.New("not found")

// ErrConflict reports a write that clashes with the current state, such as a
// duplicate e-mail address or a link that was already used.
var ErrConflict = errors.New("conflict")

// ErrLocked reports a staff account locked after repeated failed logins.
var ErrLocked = errors.New("account locked")

// ErrInvalidCredentials reports a wrong e-mail address or password.
var ErrInvalidCredentials = errors.New("invalid email or password")

// ErrExpired reports a login link past its expiry time.
var ErrExpired = errors.New("link expired")

// ErrUsed reports a login link that was already used.
var ErrUsed = errors.New("link already used")

// ErrCodeRequired reports a right password for an account that also needs an
// authenticator (TOTP) code.
var ErrCodeRequired = errors.New("authenticator code required")

// ErrInvalidCode reports a wrong or expired authenticator (TOTP) code.
var ErrInvalidCode = errors.New("invalid authenticator code")

// ErrForbidden reports an action the staff member's role does not allow.
var ErrForbidden = errors.New("not allowed for this role")
