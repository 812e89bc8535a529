package logs

import (
	"context"

	"github.com/why401/why401/internal/cli"
)

func follow(ctx context.Context, o *Options) error {
	return cli.FlagErrorf("--follow: not yet")
}
