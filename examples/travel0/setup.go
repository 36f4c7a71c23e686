package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// Travel0's two APIs. The Billing API is there for one refusal: its tokens do not open the Adventures API.
const (
	adventuresAudience = "https://api.travel0.example/adventures"
	billingAudience    = "https://api.travel0.example/billing"

	readAdventures   = "read:adventures"
	createAdventures = "create:adventures"
	readInvoices     = "read:invoices"
)

type organization struct{ ID, Name string }

type application struct{ Name, ClientID, ClientSecret string }

// world is what the story runs on, as set up in orgauth.
type world struct {
	issuer, tokenURL      string
	acme, globex, initech organization
	// acmeBot and globexBot are two customers' bots, cli is Travel0's own tool, aggregator reads for two
	// customers.
	acmeBot, globexBot, cli, aggregator application
}

// grant is a client grant as the story needs it.
type grant struct {
	audience string
	scopes   []string
	usage    string // organization_usage: deny, allow or require
	anyOrg   bool   // allow_any_organization
	orgs     []organization
}

// setup makes orgauth hold Travel0's world through the Management API, reusing by name what an earlier
// run created, so that it can run again and again against the same orgauth. Each application's secret
// is rotated: orgauth shows a secret only when it creates or rotates it.
func setup(ctx context.Context, out io.Writer, m *management, d discovery) (*world, error) {
	s := &setupRun{ctx: ctx, out: out, m: m}
	t := &world{issuer: d.Issuer, tokenURL: d.TokenEndpoint}
	fmt.Fprintf(out, "Setting up Travel0 in orgauth (%s) through the Management API\n", d.Issuer)

	s.api("Travel0 Adventures API", adventuresAudience, readAdventures, createAdventures)
	s.api("Travel0 Billing API", billingAudience, readInvoices)
	t.acme = s.organization("acme-travel", "Acme Travel")
	t.globex = s.organization("globex-tours", "Globex Tours")
	t.initech = s.organization("initech-trips", "Initech Trips")
	all := []organization{t.acme, t.globex, t.initech}

	t.acmeBot = s.application("Acme Travel bot", all, grant{audience: adventuresAudience,
		scopes: []string{readAdventures, createAdventures}, usage: "require", orgs: []organization{t.acme}})
	t.globexBot = s.application("Globex Tours bot", all, grant{audience: adventuresAudience,
		scopes: []string{readAdventures}, usage: "require", orgs: []organization{t.globex}})
	s.defaultOrganization(t.globexBot, t.globex)
	t.cli = s.application("Travel0 CLI", all,
		grant{audience: adventuresAudience, scopes: []string{readAdventures, createAdventures}, usage: "allow", anyOrg: true},
		grant{audience: billingAudience, scopes: []string{readInvoices}, usage: "deny"})
	t.aggregator = s.application("Wanderlust aggregator", all, grant{audience: adventuresAudience,
		scopes: []string{readAdventures}, usage: "require", orgs: []organization{t.acme, t.globex}})
	return t, s.err
}

// setupRun keeps the first error: after it, every call does nothing, so setup reads as a list.
type setupRun struct {
	ctx context.Context
	out io.Writer
	m   *management
	err error
}

// call is management.call, where an answer with one of the tolerated statuses is no error.
func (s *setupRun) call(method, path string, body, out any, tolerated ...int) {
	if s.err != nil {
		return
	}
	err := s.m.call(s.ctx, method, path, body, out)
	for _, status := range tolerated {
		if isStatus(err, status) {
			return
		}
	}
	s.err = err
}

// get decodes path into out and reports whether it exists.
func (s *setupRun) get(path string, out any) bool {
	if s.err != nil {
		return false
	}
	err := s.m.call(s.ctx, "GET", path, nil, out)
	if isStatus(err, 404) {
		return false
	}
	s.err = err
	return err == nil
}

func (s *setupRun) print(format string, args ...any) {
	if s.err == nil {
		fmt.Fprintf(s.out, format, args...)
	}
}

func (s *setupRun) api(name, identifier string, scopes ...string) {
	if !s.get("/resource-servers/"+url.PathEscape(identifier), nil) {
		values := make([]map[string]string, len(scopes))
		for i, sc := range scopes {
			values[i] = map[string]string{"value": sc}
		}
		s.call("POST", "/resource-servers", map[string]any{"identifier": identifier, "name": name, "scopes": values}, nil)
	}
	s.print("  API           %-24s %s (%s)\n", name, identifier, strings.Join(scopes, " "))
}

func (s *setupRun) organization(name, displayName string) organization {
	var o struct {
		ID string `json:"id"`
	}
	if !s.get("/organizations/name/"+name, &o) {
		s.call("POST", "/organizations", map[string]string{"name": name, "display_name": displayName}, &o)
	}
	s.print("  organization  %-24s %s\n", name, o.ID)
	return organization{ID: o.ID, Name: name}
}

// application finds the machine-to-machine application called name, or creates it, and gives it a new
// secret and exactly the grants listed; each grant is associated with its organizations and with no
// other one of all.
func (s *setupRun) application(name string, all []organization, grants ...grant) application {
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if id := s.findApplication(name); id == "" {
		s.call("POST", "/clients", map[string]any{"name": name, "app_type": "non_interactive",
			"grant_types": []string{"client_credentials"}}, &app)
	} else {
		s.call("POST", "/clients/"+id+"/rotate-secret", nil, &app)
	}
	s.print("  application   %-24s %s\n", name, app.ClientID)
	for _, g := range grants {
		s.grant(app.ClientID, g, all)
		s.print("  %-13s %-24s %s\n", "", "", describe(g))
	}
	return application{Name: name, ClientID: app.ClientID, ClientSecret: app.ClientSecret}
}

// findApplication returns the client_id of the machine-to-machine application called name, or "".
func (s *setupRun) findApplication(name string) string {
	for page := 0; ; page++ {
		var list []struct {
			ClientID string `json:"client_id"`
			Name     string `json:"name"`
			AppType  string `json:"app_type"`
		}
		s.call("GET", fmt.Sprintf("/clients?page=%d&per_page=100", page), nil, &list)
		for _, c := range list {
			if c.Name == name && c.AppType == "non_interactive" {
				return c.ClientID
			}
		}
		if s.err != nil || len(list) < 100 {
			return ""
		}
	}
}

func (s *setupRun) grant(clientID string, g grant, all []organization) {
	settings := map[string]any{"scope": g.scopes, "organization_usage": g.usage, "allow_any_organization": g.anyOrg}
	var found []struct {
		ID string `json:"id"`
	}
	s.call("GET", "/client-grants?client_id="+url.QueryEscape(clientID)+"&audience="+url.QueryEscape(g.audience), nil, &found)
	var id string
	if len(found) > 0 {
		id = found[0].ID
		s.call("PATCH", "/client-grants/"+id, settings, nil)
	} else {
		var created struct {
			ID string `json:"id"`
		}
		settings["client_id"], settings["audience"] = clientID, g.audience
		s.call("POST", "/client-grants", settings, &created)
		id = created.ID
	}
	for _, o := range all {
		if slices.Contains(g.orgs, o) {
			s.call("POST", "/organizations/"+o.ID+"/client-grants", map[string]string{"grant_id": id}, nil, 409) // 409: associated by an earlier run
		} else {
			s.call("DELETE", "/organizations/"+o.ID+"/client-grants/"+id, nil, nil)
		}
	}
}

func (s *setupRun) defaultOrganization(app application, o organization) {
	s.call("PATCH", "/clients/"+app.ClientID, map[string]any{
		"default_organization": map[string]any{"organization_id": o.ID, "flows": []string{"client_credentials"}}}, nil)
	s.print("  %-13s %-24s default organization %s\n", "", "", o.Name)
}

// describe says what a grant allows, for the setup listing.
func describe(g grant) string {
	var orgs string
	switch {
	case g.usage == "deny":
		orgs = "no organization"
	case g.anyOrg:
		orgs = "any organization"
	default:
		names := make([]string, len(g.orgs))
		for i, o := range g.orgs {
			names[i] = o.Name
		}
		orgs = "organizations " + strings.Join(names, ", ")
	}
	if g.usage == "allow" {
		orgs += " or none"
	}
	return fmt.Sprintf("grant %s: %s; %s", strings.TrimPrefix(g.audience, "https://api.travel0.example/"), strings.Join(g.scopes, " "), orgs)
}
