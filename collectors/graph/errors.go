package graph

import (
	"errors"
	"fmt"
)

// Sentinels for classifying a Graph failure with errors.Is.
var (
	// ErrUnauthorized: 401, the token was rejected. Collection stops.
	ErrUnauthorized = errors.New("graph: unauthorized")
	// ErrForbidden: 403, a permission (or licence) is missing.
	ErrForbidden = errors.New("graph: forbidden")
	// ErrUnlicensed: 403 because the tenant lacks the licence the API needs.
	ErrUnlicensed = errors.New("graph: tenant not licensed")
	// ErrNotFound: 404, the resource or feature does not exist.
	ErrNotFound = errors.New("graph: not found")
	// ErrThrottled: 429/503/504 still failing after every retry.
	ErrThrottled = errors.New("graph: throttled")
	// ErrWriteRefused: the read-only guard refused to send a request.
	ErrWriteRefused = errors.New("graph: write refused (collection is read-only)")
)

// CodeNonPremium is Graph's error code when an API needs Entra ID P1/P2.
const CodeNonPremium = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"

// Error is a failed Graph response.
type Error struct {
	Status  int
	Code    string // Graph error code, e.g. Authorization_RequestDenied
	Message string
	Path    string // request path (no query: it may name users)
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph %s: %d %s", e.Path, e.Status, e.Reason())
}

// Reason is the API's error code and message, for the manifest.
func (e *Error) Reason() string {
	switch {
	case e.Code != "" && e.Message != "":
		return e.Code + ": " + e.Message
	case e.Code != "":
		return e.Code
	case e.Message != "":
		return e.Message
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// Is maps the status (and the licence code) to the sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == 401
	case ErrForbidden:
		return e.Status == 403
	case ErrUnlicensed:
		return e.Status == 403 && e.Code == CodeNonPremium
	case ErrNotFound:
		return e.Status == 404
	case ErrThrottled:
		return e.Status == 429 || e.Status == 503 || e.Status == 504
	}
	return false
}
