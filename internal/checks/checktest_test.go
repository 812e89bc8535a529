package checks_test

import (
	"testing"

	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/checks/checktest"
)

// TestTextFixtures runs the txtar cases under testdata/CHECK (see
// package checktest); go test -run TestTextFixtures -update rewrites
// their want files.
func TestTextFixtures(t *testing.T) {
	checktest.Run(t, "testdata", checks.All)
}
