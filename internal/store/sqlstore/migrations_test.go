package sqlstore

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Migration
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
			want: []Migration{
				{Version: 1, Name: "0001_init.sql", SQL: "CREATE TABLE a (x int);"},
				{Version: 2, Name: "0002_more.sql", SQL: "CREATE TABLE b (x int);"},
			},
		},
		{
			name:  "none",
			files: fstest.MapFS{},
			want:  []Migration{},
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
			got, err := LoadMigrations(tt.files, "migrations")
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
