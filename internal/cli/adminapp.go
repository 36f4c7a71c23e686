package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/tenant"
)

const adminAppUsage = `usage: orgauth admins add-app [--db path] [--name name]

Creates an application granted every Management API scope and prints its credentials once. It is the
way back in when no application can administer the tenant any more, or when its secret is lost.
`

// addAdminApp runs `orgauth admins add-app`: it works on the store directly, so it needs no token.
func addAdminApp(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admins add-app", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	name := fs.String("name", "orgauth admin (CLI)", "the application's name")
	if done, err := parseStoreCommand(fs, "admins add-app", adminAppUsage, args, db, stdout); done || err != nil {
		return err
	}

	ctx := context.Background()
	st, err := server.OpenExistingStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := tenant.Open(ctx, st, tenant.Options{})
	if err != nil {
		return fmt.Errorf("open tenant: %w", err)
	}
	api, err := t.ManagementAPI(ctx)
	if err != nil {
		return fmt.Errorf("add administrator application: %w (start orgauth serve once first)", err)
	}
	c, secret, err := t.CreateAdminApplication(ctx, *name)
	if err != nil {
		return fmt.Errorf("add administrator application: %w", err)
	}
	fmt.Fprintf(stdout, "administrator application %q added\n"+
		"  client_id:     %s\n"+
		"  client_secret: %s\n"+
		"  audience:      %s\n"+
		"(the secret is shown once: save it now)\n", c.Name, c.ClientID, secret, api.Identifier)
	return nil
}
