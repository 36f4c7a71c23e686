package config

import (
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: DefaultDB, LogLevel: "info", LogFormat: "text"}},
		{name: "env sets values", env: map[string]string{"ORGAUTH_ADDR": ":9000", "ORGAUTH_DB": "/tmp/x.db", "ORGAUTH_BOOTSTRAP_CLIENT_ID": "admin"},
			want: Config{Addr: ":9000", Issuer: "http://localhost:9000/", DB: "/tmp/x.db", BootstrapClientID: "admin", LogLevel: "info", LogFormat: "text"}},
		{name: "flag beats env", args: []string{"--addr", "127.0.0.1:7000"}, env: map[string]string{"ORGAUTH_ADDR": ":9000"},
			want: Config{Addr: "127.0.0.1:7000", Issuer: "http://127.0.0.1:7000/", DB: DefaultDB, LogLevel: "info", LogFormat: "text"}},
		{name: "tls makes an https issuer", args: []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "https://127.0.0.1:8080/", DB: DefaultDB, TLSCert: "c.pem", TLSKey: "k.pem", LogLevel: "info", LogFormat: "text"}},
		{name: "explicit issuer", args: []string{"--issuer", "https://auth.example.com/"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "https://auth.example.com/", DB: DefaultDB, LogLevel: "info", LogFormat: "text"}},
		{name: "pprof address", args: []string{"--pprof-addr", "127.0.0.1:6060"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: DefaultDB, LogLevel: "info", LogFormat: "text", PprofAddr: "127.0.0.1:6060"}},
		{name: "key-encryption key from a file and a previous one", args: []string{"--key-encryption-key-file", "/run/kek", "--previous-key-encryption-key-file", "/run/old.kek"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: DefaultDB, LogLevel: "info", LogFormat: "text", KeyEncryptionKeyFile: "/run/kek", PreviousKeyEncryptionKeyFile: "/run/old.kek"}},
		{name: "key-encryption key from the environment", env: map[string]string{"ORGAUTH_KEY_ENCRYPTION_KEY": "c2VjcmV0"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: DefaultDB, LogLevel: "info", LogFormat: "text", KeyEncryptionKey: "c2VjcmV0"}},
		{name: "fail/key-encryption key twice", args: []string{"--key-encryption-key-file", "/run/kek"}, env: map[string]string{"ORGAUTH_KEY_ENCRYPTION_KEY": "c2VjcmV0"},
			wantErr: "--key-encryption-key-file and ORGAUTH_KEY_ENCRYPTION_KEY: give one, not both"},
		{name: "file: names a SQLite file", args: []string{"--db", "file:data/x.db"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: "file:data/x.db", LogLevel: "info", LogFormat: "text"}},
		{name: "postgresql:// names PostgreSQL", args: []string{"--db", "postgresql://db/orgauth"},
			want: Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: "postgresql://db/orgauth", LogLevel: "info", LogFormat: "text"}},
		{name: "fail/unknown db scheme", args: []string{"--db", "mysql://root:s3cret@db/orgauth"},
			wantErr: `--db: unsupported scheme "mysql://"; supported: a SQLite file path (plain or file:), postgres://, postgresql://`},
		{name: "fail/sqlite:// is not a scheme orgauth knows", env: map[string]string{"ORGAUTH_DB": "sqlite:///var/lib/orgauth.db"},
			wantErr: `--db: unsupported scheme "sqlite://"; supported: a SQLite file path (plain or file:), postgres://, postgresql://`},
		{name: "fail/file: without a path", args: []string{"--db", "file:"}, wantErr: `--db "file:": no file path after the file: prefix`},
		{name: "fail/pprof address without a port", env: map[string]string{"ORGAUTH_PPROF_ADDR": "localhost"}, wantErr: "--pprof-addr"},
		{name: "fail/issuer without trailing slash", args: []string{"--issuer", "https://auth.example.com"}, wantErr: "--issuer"},
		{name: "fail/cert without key", args: []string{"--tls-cert", "c.pem"}, wantErr: "go together"},
		{name: "fail/every problem reported", args: []string{"--addr", "nope", "--log-level", "loud"}, wantErr: "--log-level"},
		{name: "fail/admin email without password", env: map[string]string{"ORGAUTH_BOOTSTRAP_ADMIN_EMAIL": "a@example.com"}, wantErr: "go together"},
		{name: "fail/unknown flag", args: []string{"--bogus"}, wantErr: "bogus"},
		{name: "fail/stray argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Load = %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}

func TestSQLitePath(t *testing.T) {
	for db, want := range map[string]string{
		"data/orgauth.db":         "data/orgauth.db",
		"file:data/orgauth.db":    "data/orgauth.db",
		"file:///var/orgauth.db":  "/var/orgauth.db",
		"/abs/orgauth.db":         "/abs/orgauth.db",
		"postgres://db/orgauth":   "",
		"postgresql://db/orgauth": "",
	} {
		if got := SQLitePath(db); got != want {
			t.Errorf("SQLitePath(%q) = %q, want %q", db, got, want)
		}
	}
}

func TestDBForLogsHidesPasswords(t *testing.T) {
	for db, want := range map[string]string{
		"data/orgauth.db": "data/orgauth.db",
		"postgres://orgauth:s3cret@db:5432/orgauth?sslmode=require": "postgres://orgauth:xxxxx@db:5432/orgauth?sslmode=require",
		"postgres://db/orgauth": "postgres://db/orgauth",
	} {
		if got := (Config{DB: db}).DBForLogs(); got != want {
			t.Errorf("DBForLogs(%q) = %q, want %q", db, got, want)
		}
	}
}
