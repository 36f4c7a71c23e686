package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded stylesheet and script. Pages link them with a content hash in the
// query (?v=…), so browsers may cache them for a year and still never run a stale script.
type staticFiles struct {
	files   map[string][]byte
	version string
}

func newStaticFiles() staticFiles {
	sf := staticFiles{files: map[string][]byte{}}
	h := sha256.New()
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sf.files[e.Name()] = b
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	sf.version = hex.EncodeToString(h.Sum(nil))[:12]
	return sf
}

// url is the versioned address of an embedded file.
func (sf staticFiles) url(name string) string {
	return "/dashboard/static/" + name + "?v=" + sf.version
}

func (sf staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, ok := sf.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == sf.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
