package mgmt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

// userJSON is a user as Auth0 shows it: an attribute never set is absent, never null; blocked appears
// once it has been set, logins_count and last_login once the user has logged in.
type userJSON struct {
	UserID            string                     `json:"user_id"`
	Email             string                     `json:"email,omitempty"`
	EmailVerified     bool                       `json:"email_verified"`
	Name              string                     `json:"name,omitempty"`
	GivenName         string                     `json:"given_name,omitempty"`
	FamilyName        string                     `json:"family_name,omitempty"`
	Nickname          string                     `json:"nickname,omitempty"`
	Picture           string                     `json:"picture,omitempty"`
	Blocked           *bool                      `json:"blocked,omitempty"`
	AppMetadata       map[string]json.RawMessage `json:"app_metadata,omitempty"`
	UserMetadata      map[string]json.RawMessage `json:"user_metadata,omitempty"`
	Identities        []identityJSON             `json:"identities"`
	CreatedAt         string                     `json:"created_at"`
	UpdatedAt         string                     `json:"updated_at"`
	LastLogin         string                     `json:"last_login,omitempty"`
	LastPasswordReset string                     `json:"last_password_reset,omitempty"`
	LoginsCount       int                        `json:"logins_count,omitempty"`
}

type identityJSON struct {
	Connection string `json:"connection"`
	UserID     string `json:"user_id"`
	Provider   string `json:"provider"`
	IsSocial   bool   `json:"isSocial"`
}

func userOut(u tenant.UserProfile) userJSON {
	optionalTime := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return isoTime(t)
	}
	return userJSON{
		UserID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name, GivenName: u.GivenName,
		FamilyName: u.FamilyName, Nickname: u.Nickname, Picture: u.Picture, Blocked: u.Blocked,
		AppMetadata: u.AppMetadata, UserMetadata: u.UserMetadata,
		Identities: []identityJSON{{Connection: u.Connection, UserID: u.IdentityUserID(), Provider: u.Provider}},
		CreatedAt:  isoTime(u.CreatedAt), UpdatedAt: isoTime(u.UpdatedAt), LastLogin: optionalTime(u.LastLogin),
		LastPasswordReset: optionalTime(u.LastPasswordReset), LoginsCount: u.LoginsCount,
	}
}

// userPatchFields are the properties of PATCH /users/{id}; create adds user_id and needs connection,
// email and password.
var userPatchFields = []string{"connection", "email", "password", "email_verified", "name", "given_name", "family_name",
	"nickname", "picture", "blocked", "app_metadata", "user_metadata", "verify_email"}

// userNullable are the properties a PATCH may set to null, which unsets them.
var userNullable = []string{"email_verified", "name", "given_name", "family_name", "nickname", "picture", "blocked",
	"app_metadata", "user_metadata"}

func decodeUserCreate(body []byte) (tenant.UserInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.UserInput{}, err
	}
	if err := o.allow(append([]string{"user_id"}, userPatchFields...)...); err != nil {
		return tenant.UserInput{}, err
	}
	var in tenant.UserInput
	for _, req := range []struct {
		key string
		dst *string
	}{{"connection", &in.Connection}, {"email", &in.Email}, {"password", &in.Password}} {
		if *req.dst, err = o.requiredString(req.key); err != nil {
			return in, err
		}
	}
	if in.UserID, err = o.stringField("user_id"); err != nil {
		return in, err
	}
	p, err := readUserFields(o, false)
	if err != nil {
		return in, err
	}
	in.EmailVerified, in.Name, in.GivenName, in.FamilyName = p.EmailVerified, p.Name, p.GivenName, p.FamilyName
	in.Nickname, in.Picture, in.Blocked = p.Nickname, p.Picture, p.Blocked
	in.AppMetadata, in.UserMetadata = p.AppMetadata, p.UserMetadata
	return in, nil
}

func decodeUserPatch(body []byte) (tenant.UserPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.UserPatch{}, err
	}
	if err := o.allow(userPatchFields...); err != nil {
		return tenant.UserPatch{}, err
	}
	p, err := readUserFields(o, true)
	if err != nil {
		return p, err
	}
	if p.Connection, err = o.stringField("connection"); err != nil {
		return p, err
	}
	if p.Email, err = o.stringField("email"); err != nil {
		return p, err
	}
	if p.Password, err = o.stringField("password"); err != nil {
		return p, err
	}
	return p, nil
}

// readUserFields reads the attributes create and PATCH share; with nullable, null unsets them.
func readUserFields(o object, nullable bool) (tenant.UserPatch, error) {
	var p tenant.UserPatch
	if nullable {
		for _, key := range userNullable {
			if o.null(key) {
				p.Unset = append(p.Unset, key)
			}
		}
	}
	var err error
	read := func(key string, dst **string) {
		if err == nil && !slices.Contains(p.Unset, key) {
			*dst, err = o.stringField(key)
		}
	}
	read("name", &p.Name)
	read("given_name", &p.GivenName)
	read("family_name", &p.FamilyName)
	read("nickname", &p.Nickname)
	read("picture", &p.Picture)
	if err != nil {
		return p, err
	}
	for _, b := range []struct {
		key string
		dst **bool
	}{{"email_verified", &p.EmailVerified}, {"blocked", &p.Blocked}} {
		if !slices.Contains(p.Unset, b.key) {
			if *b.dst, err = o.boolField(b.key); err != nil {
				return p, err
			}
		}
	}
	// verify_email is accepted and does nothing: orgauth sends no email (docs/compatibility.md#users).
	if _, err := o.boolField("verify_email"); err != nil {
		return p, err
	}
	if !slices.Contains(p.Unset, "app_metadata") {
		if p.AppMetadata, err = readMetadata(o, "app_metadata"); err != nil {
			return p, err
		}
	}
	if !slices.Contains(p.Unset, "user_metadata") {
		if p.UserMetadata, err = readMetadata(o, "user_metadata"); err != nil {
			return p, err
		}
	}
	return p, nil
}

// readMetadata reads a metadata object, each first-level value kept as JSON (null included: a patch
// removes that key).
func readMetadata(o object, key string) (map[string]json.RawMessage, error) {
	sub, err := o.objectField(key)
	if sub == nil || err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(sub.fields))
	for k, v := range sub.fields {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, errInvalidJSON
		}
		out[k] = b
	}
	return out, nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeUserCreate)
	if err != nil {
		return err
	}
	u, err := h.tenant.CreateUser(r.Context(), in)
	return reply(w, http.StatusCreated, u, err, userOut)
}

// usersBody is the answer of GET /users with include_totals: Auth0's, with length.
type usersBody struct {
	Start  int   `json:"start"`
	Limit  int   `json:"limit"`
	Length int   `json:"length"`
	Users  []any `json:"users"`
	Total  int   `json:"total"`
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	p, err := parsePage(q, offsetPaging)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	switch engine := q.Get("search_engine"); engine {
	case "", "v3":
	case "v1", "v2":
		return queryError("search_engine", fmt.Sprintf("The search engine %s is not available: use v3", engine))
	default:
		return queryError("search_engine", fmt.Sprintf("No enum match for: %q (allowed: v3)", engine))
	}
	l, err := h.tenant.SearchUsers(r.Context(), tenant.UserSearchInput{Query: q.Get("q"), Sort: q.Get("sort")}, p)
	if err != nil {
		return err
	}
	users := mapSlice(l.Items, selectFields(sel, userOut))
	if !p.WantTotal {
		writeJSON(w, http.StatusOK, users)
		return nil
	}
	writeJSON(w, http.StatusOK, usersBody{Start: p.Offset, Limit: p.Limit, Length: len(users), Users: users, Total: l.Total})
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	u, err := h.tenant.UserProfile(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, u, err, selectFields(sel, userOut))
}

// updateUser needs update:users, or update:users_app_metadata when the body changes only app_metadata:
// the scope is known once the body is.
func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	in, err := decodeUserPatch(body)
	if err != nil {
		return err
	}
	if !onlyAppMetadata(body) {
		if err := requireScope(r, "update:users"); err != nil {
			return err
		}
	}
	u, err := h.tenant.UpdateUser(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, u, err, userOut)
}

// onlyAppMetadata reports whether a (decoded, so valid) body holds no property but app_metadata.
func onlyAppMetadata(body []byte) bool {
	o, err := parseBody(body)
	if err != nil {
		return false
	}
	for k := range o.fields {
		if k != "app_metadata" {
			return false
		}
	}
	return true
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) usersByEmail(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	if !q.Has("email") || q.Get("email") == "" {
		return queryError("email", "Missing required property: email")
	}
	users, err := h.tenant.UsersByEmail(r.Context(), q.Get("email"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(users, selectFields(sel, userOut)))
	return nil
}
