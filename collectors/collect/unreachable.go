package collect

import (
	"errors"
	"fmt"

	"github.com/m365audit/m365audit/collectors/transport"
)

// unreachableFatal stops the run when Microsoft Graph (or the sign-in
// authority behind its token) cannot be reached at all: every other dataset
// would fail the same way, and retrying a host that is not there only makes
// the run slow to say so. Throttling and server errors are retried as before.
func unreachableFatal(err error) error {
	if !transport.Unreachable(err) {
		return nil
	}
	var ue *transport.UnreachableError
	if errors.As(err, &ue) {
		return &fatalError{fmt.Errorf("%w; stopping", ue)}
	}
	return &fatalError{fmt.Errorf("cannot reach Microsoft Graph or the sign-in authority; stopping: %w", err)}
}
