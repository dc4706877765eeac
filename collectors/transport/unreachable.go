package transport

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// UnreachableRetries is how often a request is retried when the host could
// not be reached at all (connection refused, no route, name not found). Retries
// are for throttling and server errors; a host that is not there will not
// appear within a minute of back-off, so two quick retries (about 1 s and 2 s)
// only cover a blip, and the caller then reports the host as unreachable.
const UnreachableRetries = 2

// Unreachable reports whether err means the request never reached a server:
// the connection was refused, there is no route to the host or network, or
// the name could not be resolved. Timeouts and resets of an established
// connection are not in this class (they are retried as before).
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL) {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// UnreachableError is the clear reason a run gives when a service host could
// not be reached.
type UnreachableError struct {
	Service string // "Microsoft Graph", "the Exchange admin API", "the sign-in authority"
	Host    string // host[:port]
	Err     error
}

func (e *UnreachableError) Error() string {
	why := "it could not be reached"
	var dns *net.DNSError
	switch {
	case errors.Is(e.Err, syscall.ECONNREFUSED):
		why = "the connection was refused (nothing listens there)"
	case errors.As(e.Err, &dns):
		why = fmt.Sprintf("the name %s could not be resolved", dns.Name)
		if dns.IsNotFound {
			why = fmt.Sprintf("the name %s does not exist", dns.Name)
		}
	case errors.Is(e.Err, syscall.EHOSTUNREACH), errors.Is(e.Err, syscall.ENETUNREACH):
		why = "there is no route to it"
	}
	return fmt.Sprintf("cannot reach %s at %s: %s; check the endpoint, the network and any proxy (%v)", e.Service, e.Host, why, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
