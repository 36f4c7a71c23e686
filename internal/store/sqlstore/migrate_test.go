package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

func TestLoadMigrations(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		first   int // 1 when 0
		want    []migration
		wantErr string
	}{
		{
			name: "in version order, other files ignored",
			files: fstest.MapFS{
				"migrations/0002_more.sql": file("CREATE TABLE b (x int);"),
				"migrations/0001_init.sql": file("CREATE TABLE a (x int);"),
				"migrations/README":        file("not a migration"),
				"0003_elsewhere.sql":       file("outside the directory"),
			},
			want: []migration{
				{Version: 1, Name: "0001_init.sql", SQL: "CREATE TABLE a (x int);"},
				{Version: 2, Name: "0002_more.sql", SQL: "CREATE TABLE b (x int);"},
			},
		},
		{
			name:  "a list that starts later",
			files: fstest.MapFS{"migrations/0004_more.sql": file("b"), "migrations/0003_base.sql": file("a")},
			first: 3,
			want:  []migration{{Version: 3, Name: "0003_base.sql", SQL: "a"}, {Version: 4, Name: "0004_more.sql", SQL: "b"}},
		},
		{
			name:    "fail/a list that starts before its first version",
			files:   fstest.MapFS{"migrations/0002_early.sql": file("")},
			first:   3,
			wantErr: "migration 0002_early.sql: want a name starting with version 0003_",
		},
		{
			name:  "none",
			files: fstest.MapFS{},
			want:  []migration{},
		},
		{
			name:    "fail/a gap in versions",
			files:   fstest.MapFS{"migrations/0001_init.sql": file(""), "migrations/0003_skip.sql": file("")},
			wantErr: "migration 0003_skip.sql: want a name starting with version 0002_",
		},
		{
			name:    "fail/first version not 1",
			files:   fstest.MapFS{"migrations/0002_init.sql": file("")},
			wantErr: "want a name starting with version 0001_",
		},
		{
			name:    "fail/no version prefix",
			files:   fstest.MapFS{"migrations/init.sql": file("")},
			wantErr: "migration init.sql",
		},
		{
			name:    "fail/prefix not a number",
			files:   fstest.MapFS{"migrations/one_init.sql": file("")},
			wantErr: "migration one_init.sql",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadMigrations(tt.files, "migrations", max(1, tt.first))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDialectsFillInEveryPlaceholder(t *testing.T) {
	for _, d := range []*dialect{&sqliteDialect, &postgresDialect} {
		if _, _, err := d.migrations(); err != nil {
			t.Errorf("%s: %v", d.name, err)
		}
	}
	d := sqliteDialect
	d.ddl = strings.NewReplacer("{{seq}}", "INTEGER PRIMARY KEY AUTOINCREMENT")
	if _, _, err := d.migrations(); err == nil || !strings.Contains(err.Error(), "does not fill in {{") {
		t.Errorf("a dialect that leaves placeholders: error %v", err)
	}
}

func TestNextMigration(t *testing.T) {
	legacy := []migration{{Version: 1, Name: "0001_a.sql"}, {Version: 2, Name: "0002_b.sql"}, {Version: 3, Name: "0003_c.sql"}}
	shared := []migration{{Version: 3, Name: "0003_baseline.sql"}, {Version: 4, Name: "0004_d.sql"}}
	tests := []struct {
		name   string
		latest int
		want   string // "" when up to date
	}{
		{"a new database gets the baseline", 0, "0003_baseline.sql"},
		{"a legacy database at 1 goes on with its engine's steps", 1, "0002_b.sql"},
		{"a legacy database at 2 too", 2, "0003_c.sql"},
		{"at the baseline, the shared list goes on", 3, "0004_d.sql"},
		{"up to date", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := next(legacy, shared, tt.latest)
			if err != nil || ok != (tt.want != "") || m.Name != tt.want {
				t.Errorf("next after %d = %q, %v, %v; want %q", tt.latest, m.Name, ok, err, tt.want)
			}
		})
	}
	t.Run("fail/a schema newer than the list", func(t *testing.T) {
		if _, _, err := next(legacy, shared, 5); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("error %v, want one saying the schema is newer", err)
		}
	})
}

// engine is what the migration tests need of an engine: a new, empty database (a file or a schema), a
// plain database/sql connection to it that bypasses the store, and the store's Open.
type engine struct {
	d     *dialect
	newDB func(t *testing.T) string
	raw   func(t *testing.T, db string) *sql.DB
	open  func(ctx context.Context, db string) (*Store, error)
	// describe lists the schema: tables, columns, keys, constraints and indexes, with their definitions.
	describe func(t *testing.T, db *sql.DB) []string
}

// engines runs test on SQLite, and on PostgreSQL when pgtest has a database (CI always has one).
func engines(t *testing.T, test func(t *testing.T, e engine)) {
	sqliteEngine := engine{
		d:     &sqliteDialect,
		newDB: func(t *testing.T) string { return filepath.Join(t.TempDir(), "orgauth.db") },
		raw:   func(t *testing.T, path string) *sql.DB { return rawDB(t, "sqlite", path+"?_pragma=foreign_keys(1)") },
		open:  OpenSQLite,
		describe: func(t *testing.T, db *sql.DB) []string {
			// SQLite keeps each table's and index's definition as written, comments included, and changes
			// it in place on ALTER TABLE ... ADD COLUMN; this reads it without comments or layout.
			comment := regexp.MustCompile(`--[^\n]*`)
			space := regexp.MustCompile(`\s+`)
			punct := regexp.MustCompile(` ?([(),]) ?`)
			return queryStrings(t, db, `SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || COALESCE(sql, '')
				FROM sqlite_schema ORDER BY type, name`, func(s string) string {
				return punct.ReplaceAllString(space.ReplaceAllString(comment.ReplaceAllString(s, ""), " "), "$1")
			})
		},
	}
	postgresEngine := engine{
		d:     &postgresDialect,
		newDB: func(t *testing.T) string { return pgtest.Schema(t) },
		raw:   func(t *testing.T, dsn string) *sql.DB { return rawDB(t, "pgx", dsn) },
		open:  OpenPostgres,
		describe: func(t *testing.T, db *sql.DB) []string {
			same := func(s string) string { return s }
			return slices.Concat(
				queryStrings(t, db, `SELECT concat_ws(' ', 'column', table_name, ordinal_position, column_name, data_type,
					is_nullable, column_default, is_identity, identity_generation)
					FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`, same),
				queryStrings(t, db, `SELECT concat_ws(' ', 'constraint', conrelid::regclass, conname, pg_get_constraintdef(oid))
					FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1`, same),
				queryStrings(t, db, `SELECT 'index ' || replace(indexdef, current_schema() || '.', '')
					FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`, same))
		},
	}
	t.Run("sqlite", func(t *testing.T) { test(t, sqliteEngine) })
	t.Run("postgres", func(t *testing.T) { test(t, postgresEngine) })
}

// mustOpen opens the store at db, failing the test when it cannot.
func mustOpen(t *testing.T, open func(context.Context, string) (*Store, error), db string) *Store {
	t.Helper()
	s, err := open(t.Context(), db)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// rawDB is a database/sql connection to db that bypasses the store, closed when the test ends.
func rawDB(t *testing.T, driver, db string) *sql.DB {
	t.Helper()
	conn, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// queryStrings runs a query of one text column and returns its rows, each passed through f.
func queryStrings(t *testing.T, db *sql.DB, query string, f func(string) string) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, f(s))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// buildLegacy makes db what the code before the shared list made of a new database: its engine's
// migrations 1 to through, each recorded in schema_migrations, created as that code created it.
func buildLegacy(t *testing.T, e engine, db *sql.DB, through int) {
	t.Helper()
	legacy, _, err := e.d.migrations()
	if err != nil {
		t.Fatal(err)
	}
	c := conn{d: e.d, x: db}
	ctx := t.Context()
	if _, err := c.exec(ctx, e.d.migrationsTable); err != nil {
		t.Fatal(err)
	}
	for _, m := range legacy[:through] {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := c.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// appliedMigrations lists the recorded migrations, one "version name applied_at" line each.
func appliedMigrations(t *testing.T, s *Store) []string {
	t.Helper()
	return queryStrings(t, s.r, "SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations ORDER BY version",
		func(s string) string { return s })
}

func TestBaselineIsTheLegacySchema(t *testing.T) {
	engines(t, func(t *testing.T, e engine) {
		for through := 1; through <= baseline; through++ {
			t.Run(fmt.Sprintf("a database at legacy version %d", through), func(t *testing.T) {
				fresh, old := e.newDB(t), e.newDB(t)
				buildLegacy(t, e, e.raw(t, old), through)
				for _, db := range []string{fresh, old} {
					mustOpen(t, e.open, db).Close()
				}
				want, got := e.describe(t, e.raw(t, fresh)), e.describe(t, e.raw(t, old))
				if len(want) < 20 {
					t.Fatalf("the schema description is too short to mean anything: %q", want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("schema after the legacy steps differs from the baseline's:\n%s",
						diffLines(got, want))
				}
			})
		}
	})
}

// diffLines shows the lines only one side has.
func diffLines(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "  legacy only:   %s\n", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "  baseline only: %s\n", l)
		}
	}
	return b.String()
}

// TestLegacyDatabasesOpenWithTheirRows fills a database that the code before the shared list made, as
// that code wrote its rows, and reads every row back through the store that opens it.
func TestLegacyDatabasesOpenWithTheirRows(t *testing.T) {
	engines(t, func(t *testing.T, e engine) {
		db := e.newDB(t)
		raw := e.raw(t, db)
		buildLegacy(t, e, raw, baseline)
		ctx := t.Context()
		at := func(n int) time.Time { return time.Date(2026, 11, 1, 12, 0, n, 123456000, time.UTC) }
		c := conn{d: e.d, x: raw}
		for _, row := range []struct {
			table, cols string
			args        []any
		}{
			{"resource_servers", "id, identifier, name, scopes, signing_alg, token_lifetime, allow_offline_access, is_system, created_at, updated_at",
				[]any{"rs1", "https://api.example.com/", "API", `[{"value":"read:x","description":"Read x"}]`, "RS256", 3600, true, false, at(1), at(2)}},
			{"resource_servers", "id, identifier, name, scopes, signing_alg, token_lifetime, allow_offline_access, is_system, created_at, updated_at",
				[]any{"rs0", "https://auth.example.com/api/v2/", "Management API", nil, "RS256", 86400, false, true, at(0), at(0)}},
			{"organizations", "id, name, display_name, branding, metadata, created_at, updated_at",
				[]any{"org_1", "acme", "Acme", `{"logo_url":"https://x/l.png","colors":{"primary":"#0059d6","page_background":"#000000"}}`, `{"tier":"gold"}`, at(3), at(4)}},
			{"clients", "client_id, name, description, app_type, grant_types, token_endpoint_auth_method, secret_hash, default_org_id, default_org_flows, organization_usage, organization_require_behavior, private_key_jwt_credentials, created_at, updated_at",
				[]any{"client1", "App", "An app", "non_interactive", `["client_credentials"]`, "private_key_jwt", []byte{1, 2}, "org_1", `["client_credentials"]`, "allow", "no_prompt", `["cred_1"]`, at(5), at(6)}},
			{"client_grants", "id, client_id, audience, scope, organization_usage, allow_any_organization, subject_type, created_at, updated_at",
				[]any{"cgr_1", "client1", "https://api.example.com/", `["read:x"]`, "require", true, "client", at(7), at(8)}},
			{"organization_client_grants", "org_seq, grant_seq", []any{1, 1}},
			{"client_credentials", "id, client_id, name, credential_type, kid, alg, pem, expires_at, created_at, updated_at",
				[]any{"cred_1", "client1", "key", "public_key", "kid1", "RS256", "-----BEGIN PUBLIC KEY-----", at(30), at(9), at(10)}},
			{"tenant_secrets", "name, value", []any{"client-secret-hmac", []byte("secret")}},
			{"signing_keys", "kid, alg, private_key, state, created_at, retired_at", []any{"k1", "RS256", []byte("sealed"), "previous", at(11), at(12)}},
			{"signing_keys", "kid, alg, private_key, state, created_at, retired_at", []any{"k2", "RS256", []byte("sealed2"), "current", at(13), nil}},
			{"admins", "id, email, password_hash, created_at, updated_at", []any{"adm_1", "a@example.com", "$argon2id$x", at(14), at(15)}},
			{"admin_sessions", "token_hash, admin_id, csrf_token, created_at, expires_at", []any{[]byte("hash"), "adm_1", "csrf", at(16), at(40)}},
		} {
			marks := strings.Repeat(", ?", len(row.args))[2:]
			if _, err := c.exec(ctx, "INSERT INTO "+row.table+" ("+row.cols+") VALUES ("+marks+")", row.args...); err != nil {
				t.Fatalf("%s: %v", row.table, err)
			}
		}
		for _, q := range []string{"UPDATE tenant_settings SET allow_organization_name_in_authentication_api = ?",
			"UPDATE tenant_version SET version = 42 WHERE ? "} {
			if _, err := c.exec(ctx, q, true); err != nil {
				t.Fatal(err)
			}
		}

		s := mustOpen(t, e.open, db)
		defer s.Close()
		_, shared, err := e.d.migrations()
		if err != nil {
			t.Fatal(err)
		}
		// The legacy steps, then the shared ones after the baseline (which the legacy steps stand for).
		if applied, want := appliedMigrations(t, s), baseline+len(shared)-1; len(applied) != want {
			t.Errorf("migrations recorded after opening: %q, want %d: the legacy ones and those after the baseline", applied, want)
		}
		check := func(what string, got, want any, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("%s: %v", what, err)
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
			}
		}
		api := store.ResourceServer{ID: "rs1", Identifier: "https://api.example.com/", Name: "API",
			Scopes: []store.Scope{{Value: "read:x", Description: "Read x"}}, SigningAlg: "RS256", TokenLifetime: 3600,
			AllowOfflineAccess: true, TokenDialect: "access_token", CreatedAt: at(1), UpdatedAt: at(2)}
		rs, err := s.GetResourceServer(ctx, "rs1")
		check("resource server", rs, api, err)
		rs, err = s.GetSystemResourceServer(ctx)
		check("Management API", rs.ID, "rs0", err)
		org := store.Organization{ID: "org_1", Name: "acme", DisplayName: "Acme",
			Branding: &store.Branding{LogoURL: "https://x/l.png", Colors: &store.BrandingColors{Primary: "#0059d6", PageBackground: "#000000"}},
			Metadata: map[string]string{"tier": "gold"}, CreatedAt: at(3), UpdatedAt: at(4)}
		o, err := s.GetOrganization(ctx, "org_1")
		check("organization", o, org, err)
		cl, err := s.GetClient(ctx, "client1")
		check("client", cl, store.Client{ClientID: "client1", Name: "App", Description: "An app", AppType: "non_interactive",
			GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "private_key_jwt", SecretHash: []byte{1, 2},
			DefaultOrganization: &store.DefaultOrganization{OrganizationID: "org_1", Flows: []string{"client_credentials"}},
			OrganizationUsage:   "allow", OrganizationRequireBehavior: "no_prompt",
			PrivateKeyJWTCredentials: []string{"cred_1"}, OrganizationDiscoveryMethods: []string{"email"}, IDTokenLifetime: 3600,
			RefreshToken: store.DefaultRefreshTokenConfig(), CreatedAt: at(5), UpdatedAt: at(6)}, err)
		grant := store.ClientGrant{ID: "cgr_1", ClientID: "client1", Audience: "https://api.example.com/", Scope: []string{"read:x"},
			OrganizationUsage: "require", AllowAnyOrganization: true, SubjectType: "client", CreatedAt: at(7), UpdatedAt: at(8)}
		g, err := s.GetClientGrant(ctx, "cgr_1")
		check("client grant", g, grant, err)
		grants, err := s.ListOrganizationClientGrants(ctx, "org_1", store.ClientGrantFilter{}, store.Page{})
		check("organization's grants", grants.Items, []store.ClientGrant{grant}, err)
		orgs, err := s.ListClientGrantOrganizations(ctx, "cgr_1", store.Page{})
		check("grant's organizations", orgs.Items, []store.Organization{org}, err)
		cr, err := s.GetClientCredential(ctx, "client1", "cred_1")
		check("credential", cr, store.ClientCredential{ID: "cred_1", ClientID: "client1", Name: "key", CredentialType: "public_key",
			KID: "kid1", Alg: "RS256", PEM: "-----BEGIN PUBLIC KEY-----", ExpiresAt: at(30), CreatedAt: at(9), UpdatedAt: at(10)}, err)
		ts, err := s.GetTenantSettings(ctx)
		check("tenant settings", ts, store.TenantSettings{AllowOrganizationNameInAuthenticationAPI: true,
			SessionLifetime: 168, IdleSessionLifetime: 72}, err)
		secret, err := s.TenantSecret(ctx, "client-secret-hmac", []byte("other"))
		check("tenant secret", secret, []byte("secret"), err)
		keys, err := s.ListSigningKeys(ctx)
		check("signing keys", keys, []store.SigningKey{
			{KID: "k1", Alg: "RS256", PrivateKey: []byte("sealed"), State: "previous", CreatedAt: at(11), RetiredAt: at(12)},
			{KID: "k2", Alg: "RS256", PrivateKey: []byte("sealed2"), State: "current", CreatedAt: at(13)}}, err)
		a, err := s.GetAdminByEmail(ctx, "a@example.com")
		check("admin", a, store.Admin{ID: "adm_1", Email: "a@example.com", PasswordHash: "$argon2id$x", CreatedAt: at(14), UpdatedAt: at(15)}, err)
		sess, err := s.GetSession(ctx, []byte("hash"), at(20))
		check("session", sess, store.Session{TokenHash: []byte("hash"), AdminID: "adm_1", CSRFToken: "csrf", CreatedAt: at(16), ExpiresAt: at(40)}, err)
		v, err := s.Version(ctx)
		check("version", v, int64(42), err)

		// Writes go on from there: a new row follows the old ones, and the version grows.
		if err := s.CreateOrganization(ctx, store.Organization{ID: "org_2", Name: "globex", DisplayName: "Globex", CreatedAt: at(50), UpdatedAt: at(50)}); err != nil {
			t.Fatal(err)
		}
		l, err := s.ListOrganizations(ctx, store.Page{})
		check("organizations", len(l.Items), 2, err)
		v, err = s.Version(ctx)
		check("version after a write", v, int64(43), err)
	})
}
