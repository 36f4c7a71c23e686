package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/orgauth/orgauth/accesstoken"
)

// adventuresAPI is Travel0's Adventures API: each organization's adventures, kept in memory. Every route
// names its organization in the path, and accesstoken lets a request through only with a token for that
// organization and the route's scope.
type adventuresAPI struct {
	mu     sync.Mutex
	byOrg  map[string][]adventure
	lastID int
}

type adventure struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	CreatedBy string `json:"created_by"` // the client_id of the application that added it
}

func newAdventuresAPI(verifier *accesstoken.Verifier) http.Handler {
	a := &adventuresAPI{byOrg: map[string][]adventure{}}
	org := accesstoken.Organization(func(r *http.Request) string { return r.PathValue("org_id") })
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org_id}/adventures",
		verifier.Require(org, accesstoken.Scopes(readAdventures))(http.HandlerFunc(a.list)))
	mux.Handle("POST /orgs/{org_id}/adventures",
		verifier.Require(org, accesstoken.Scopes(createAdventures))(http.HandlerFunc(a.create)))
	return mux
}

// list answers the organization's adventures. Require has already checked that the token is for
// r.PathValue("org_id").
func (a *adventuresAPI) list(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	list := append([]adventure{}, a.byOrg[r.PathValue("org_id")]...)
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (a *adventuresAPI) create(w http.ResponseWriter, r *http.Request) {
	claims, _ := accesstoken.FromContext(r.Context())
	var in struct {
		Title string `json:"title"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Title == "" || utf8.RuneCountInString(in.Title) > 100 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"title\": \"1 to 100 characters\"}"})
		return
	}
	org := r.PathValue("org_id")
	a.mu.Lock()
	a.lastID++
	adv := adventure{ID: fmt.Sprintf("adv_%d", a.lastID), Title: in.Title, CreatedBy: claims.ClientID}
	a.byOrg[org] = append(a.byOrg[org], adv)
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, adv)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
