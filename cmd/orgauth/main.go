// Command orgauth is an authorization server for machine-to-machine access by organizations.
package main

import (
	"os"

	"github.com/orgauth/orgauth/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
