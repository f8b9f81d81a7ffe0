// Command krag runs Krag: the auth server and web app (krag serve), database migrations
// (krag migrate) and schema generation (krag generate). Run krag --help for the list.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kragauth/krag/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
