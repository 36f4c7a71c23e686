package login

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// pageFunc serves a page of a login in progress: id is the transaction's, t what it carries.
type pageFunc func(w http.ResponseWriter, r *http.Request, id string, t transaction)

// pageHandler loads the transaction the state parameter names, bound to this browser, and checks the
// CSRF token of a POST. A lost, expired or foreign transaction shows a page that sends the person back
// to the application.
func (h *Handler) pageHandler(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("state")
		t, err := h.loadTransaction(r, id)
		switch {
		case errors.Is(err, tenant.ErrLoginNotFound):
			h.message(w, r, http.StatusBadRequest, "Your login has expired",
				"This login page is no longer valid (it expired, was used already, or was opened in another browser). Go back to the application and log in again.")
			return
		case err != nil:
			h.fault(w, r, "load the login transaction", err)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				h.message(w, r, http.StatusBadRequest, "Something went wrong", "The form could not be read. Go back and try again.")
				return
			}
			if !checkCSRF(r, t) {
				h.message(w, r, http.StatusForbidden, "Something went wrong", "This form has expired. Go back to the application and log in again.")
				return
			}
		}
		fn(w, r, id, t)
	})
}

// brand returns how a transaction's pages look: the organization's branding once it is known.
func (h *Handler) brand(r *http.Request, t transaction) Branding {
	if t.OrgID == "" {
		return Branding{}
	}
	o, err := h.tenant.Organization(r.Context(), t.OrgID)
	if err != nil {
		h.log.WarnContext(r.Context(), "load the organization's branding", "organization_id", t.OrgID, "error", err)
		return Branding{}
	}
	b := Branding{Name: o.DisplayName}
	if b.Name == "" {
		b.Name = o.Name
	}
	if o.Branding != nil {
		b.LogoURL = o.Branding.LogoURL
		if o.Branding.Colors != nil {
			b.Primary, b.Background = o.Branding.Colors.Primary, o.Branding.Colors.PageBackground
		}
	}
	return b
}

// credentialsView is the data of the login and sign-up pages.
type credentialsView struct {
	Email, Invitation   string
	EmailFixed          bool
	SignupURL, LoginURL string
	PasswordRules       string
}

// credentialsPage prepares the login or sign-up page: the connection offered, the invitation's text and
// fixed email, the links between the two pages.
func (h *Handler) credentialsPage(r *http.Request, id string, t transaction) (tenant.LoginConnection, credentialsView, error) {
	ctx := r.Context()
	v := credentialsView{Email: t.Request.LoginHint, LoginURL: "/u/login?state=" + url.QueryEscape(id)}
	lc, err := h.tenant.LoginConnection(ctx, t.Request.ClientID, t.OrgID)
	if err != nil {
		return lc, v, err
	}
	v.PasswordRules = lc.PasswordRules()
	if lc.SignupAllowed {
		v.SignupURL = "/u/signup?state=" + url.QueryEscape(id)
	}
	if t.Request.Invitation != "" {
		inv, err := h.invitation(ctx, t)
		if err != nil {
			return lc, v, err
		}
		org, err := h.tenant.Organization(ctx, inv.OrganizationID)
		if err != nil {
			return lc, v, err
		}
		snap, err := h.snapshot(ctx)
		if err != nil {
			return lc, v, err
		}
		appName := t.Request.ClientID
		if c, ok := snap.Client(t.Request.ClientID); ok {
			appName = c.Name
		}
		display := org.DisplayName
		if display == "" {
			display = org.Name
		}
		v.Invitation = fmt.Sprintf("%q has invited you (%q) to join %q on %q.", inv.InviterName, inv.InviteeEmail, display, appName)
		v.Email, v.EmailFixed = inv.InviteeEmail, true
	}
	return lc, v, nil
}

func (h *Handler) title(b Branding, verb string) string {
	name := b.Name
	if name == "" {
		name = h.tenantName
	}
	return verb + " to " + name
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	h.showCredentials(w, r, id, t, "login", http.StatusOK, "", "")
}

func (h *Handler) signupPage(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	h.showCredentials(w, r, id, t, "signup", http.StatusOK, "", "")
}

// showCredentials renders the login or sign-up page, with an error and the email typed when retried.
func (h *Handler) showCredentials(w http.ResponseWriter, r *http.Request, id string, t transaction, page string, status int, email, message string) {
	_, v, err := h.credentialsPage(r, id, t)
	switch {
	case errors.Is(err, tenant.ErrNoLoginConnection):
		h.message(w, r, http.StatusBadRequest, "Something went wrong", tenant.ErrNoLoginConnection.Message)
		return
	case errors.Is(err, tenant.ErrLoginNotFound):
		h.finishWithError(w, r, id, t, "invalid_request", "invitation is invalid or has expired")
		return
	case err != nil:
		h.fault(w, r, "prepare the "+page+" page", err)
		return
	}
	if email != "" && !v.EmailFixed {
		v.Email = email
	}
	b := h.brand(r, t)
	title := h.title(b, "Log in")
	if page == "signup" {
		title = h.title(b, "Sign up")
	}
	h.render(w, r, status, page, view{Title: title, Brand: b, CSRF: t.CSRF, State: id, Error: message, Data: v, redirectURI: t.Request.RedirectURI})
}

// loginSubmit checks the email and password, within the limits on failed logins, opens the session and
// goes on with the login.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	ctx := r.Context()
	lc, v, err := h.credentialsPage(r, id, t)
	if err != nil {
		h.showCredentials(w, r, id, t, "login", http.StatusOK, "", "")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if v.EmailFixed {
		email = v.Email
	}
	key, addr := strings.ToLower(email), clientAddress(r)
	if ok, wait := h.limiter.Allow(key, addr); !ok {
		minutes := int(math.Ceil(wait.Minutes()))
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		h.showCredentials(w, r, id, t, "login", http.StatusTooManyRequests, email,
			fmt.Sprintf("Too many failed attempts. Try again in %d minute%s.", minutes, plural(minutes)))
		return
	}
	u, err := h.tenant.Authenticate(ctx, lc, email, r.PostFormValue("password"))
	switch {
	case errors.Is(err, tenant.ErrWrongCredentials):
		h.limiter.Failed(key, addr)
		h.log.InfoContext(ctx, "login failed: wrong email or password", "client_id", t.Request.ClientID)
		h.showCredentials(w, r, id, t, "login", http.StatusUnauthorized, email, tenant.ErrWrongCredentials.Message)
		return
	case errors.Is(err, tenant.ErrUserBlocked):
		h.finishWithError(w, r, id, t, "access_denied", "user is blocked")
		return
	case errors.Is(err, tenant.ErrPasswordBusy):
		w.Header().Set("Retry-After", "5")
		h.showCredentials(w, r, id, t, "login", http.StatusTooManyRequests, email, "Too many logins are being checked right now. Wait a few seconds and try again.")
		return
	case err != nil:
		h.fault(w, r, "authenticate", err)
		return
	}
	h.limiter.Succeeded(key, addr)
	h.loggedIn(w, r, id, t, u, lc)
}

// loggedIn opens the session of a user who just authenticated (or signed up) and goes on with the login.
func (h *Handler) loggedIn(w http.ResponseWriter, r *http.Request, id string, t transaction, u tenant.User, lc tenant.LoginConnection) {
	s, err := h.tenant.StartSession(r.Context(), u, lc.Connection.ID)
	if err != nil {
		h.fault(w, r, "start the session", err)
		return
	}
	h.setCookie(w, sessionCookie, s.Token, int(time.Until(s.Session.ExpiresAt)/time.Second))
	t.UserID, t.Connection, t.SessionID, t.AuthTime = u.ID, lc.Connection.ID, s.Session.IDHash, s.Session.AuthTime
	h.afterLogin(w, r, id, t, u)
}

// signupSubmit creates the user, when the connection (or the organization's entry of it) lets people
// sign up, and goes on as a login does.
func (h *Handler) signupSubmit(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	ctx := r.Context()
	lc, v, err := h.credentialsPage(r, id, t)
	if err != nil {
		h.showCredentials(w, r, id, t, "signup", http.StatusOK, "", "")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if v.EmailFixed {
		email = v.Email
	}
	key, addr := "signup\x00"+strings.ToLower(email), clientAddress(r)
	if ok, wait := h.limiter.Allow(key, addr); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		h.showCredentials(w, r, id, t, "signup", http.StatusTooManyRequests, email, "Too many attempts from your network. Try again later.")
		return
	}
	u, err := h.tenant.SignUp(ctx, lc, email, r.PostFormValue("password"), lc.SignupAllowed)
	var refusal *tenant.Error
	switch {
	case errors.Is(err, tenant.ErrPasswordBusy):
		w.Header().Set("Retry-After", "5")
		h.showCredentials(w, r, id, t, "signup", http.StatusTooManyRequests, email, "Too many sign-ups are being checked right now. Wait a few seconds and try again.")
		return
	case errors.As(err, &refusal):
		h.limiter.Failed(key, addr)
		h.showCredentials(w, r, id, t, "signup", http.StatusBadRequest, email, refusal.Message)
		return
	case err != nil:
		h.fault(w, r, "sign up", err)
		return
	}
	h.log.InfoContext(ctx, "signed up", "user", u, "client_id", t.Request.ClientID)
	h.loggedIn(w, r, id, t, u, lc)
}

// organizationView is the data of the organization prompt.
type organizationView struct{ Value string }

func (h *Handler) organizationPage(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	h.render(w, r, http.StatusOK, "organization", view{Title: "Enter your organization", CSRF: t.CSRF, State: id, Data: organizationView{}, redirectURI: t.Request.RedirectURI})
}

// organizationSubmit settles the organization of a pre-login prompt, by name (when the tenant allows
// names) or id, then shows the (now branded) login page.
func (h *Handler) organizationSubmit(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	ctx := r.Context()
	value := strings.TrimSpace(r.PostFormValue("organization"))
	snap, err := h.snapshot(ctx)
	if err != nil {
		h.fault(w, r, "view the tenant", err)
		return
	}
	o, ok := policy.Organization{}, false
	switch {
	case value == "" || len(value) > 128:
	case policy.IsOrganizationID(value):
		o, ok = snap.OrganizationByID(value)
	case snap.OrganizationNamesAllowed():
		o, ok = snap.OrganizationByName(strings.ToLower(value))
	}
	if !ok {
		h.render(w, r, http.StatusBadRequest, "organization", view{Title: "Enter your organization", CSRF: t.CSRF, State: id,
			Error: "The organization you entered is invalid", Data: organizationView{Value: value}, redirectURI: t.Request.RedirectURI})
		return
	}
	t.OrgID, t.Prompt = o.ID, policy.PromptNone
	if err := h.saveTransaction(ctx, id, t); err != nil {
		h.fault(w, r, "save the login transaction", err)
		return
	}
	http.Redirect(w, r, "/u/login?state="+url.QueryEscape(id), http.StatusSeeOther)
}

// pickerView is the data of the organization picker.
type pickerView struct {
	Organizations []pickerOrganization
	Personal      bool
}

type pickerOrganization struct{ ID, DisplayName string }

func (h *Handler) renderPicker(w http.ResponseWriter, r *http.Request, id string, t transaction, orgs []tenant.Organization) {
	v := pickerView{Personal: t.Personal}
	for _, o := range orgs {
		name := o.DisplayName
		if name == "" {
			name = o.Name
		}
		v.Organizations = append(v.Organizations, pickerOrganization{ID: o.ID, DisplayName: name})
	}
	h.render(w, r, http.StatusOK, "picker", view{Title: "Choose an Organization", CSRF: t.CSRF, State: id, Data: v, redirectURI: t.Request.RedirectURI})
}

// pickerSubmit completes a post-login prompt with the organization picked, which must be one the user
// is a member of, or with none when the client allows a personal login.
func (h *Handler) pickerSubmit(w http.ResponseWriter, r *http.Request, id string, t transaction) {
	ctx := r.Context()
	if t.UserID == "" || t.Prompt != policy.PromptPostLogin {
		h.message(w, r, http.StatusBadRequest, "Something went wrong", "There is no organization to choose. Go back to the application and log in again.")
		return
	}
	u, err := h.userOf(r, t)
	if err != nil {
		h.fault(w, r, "find the user", err)
		return
	}
	picked := r.PostFormValue("organization")
	if picked == "" && !t.Personal {
		h.message(w, r, http.StatusBadRequest, "Something went wrong", "Choose an organization.")
		return
	}
	if picked != "" {
		member, err := h.tenant.IsMember(ctx, picked, u.ID)
		if err != nil {
			h.fault(w, r, "check the membership", err)
			return
		}
		if !member {
			h.message(w, r, http.StatusBadRequest, "Something went wrong", "You are not a member of that organization.")
			return
		}
	}
	t.OrgID, t.Prompt = picked, policy.PromptNone
	h.complete(w, r, t, id, u, t.Connection, t.SessionID, t.AuthTime)
}

// userOf returns the user who logged in in a transaction, through its session.
func (h *Handler) userOf(r *http.Request, t transaction) (tenant.User, error) {
	s, err := h.tenant.Session(r.Context(), h.cookie(r, sessionCookie))
	if err != nil {
		return tenant.User{}, err
	}
	if s.User.ID != t.UserID {
		return tenant.User{}, tenant.ErrLoginNotFound
	}
	return s.User, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
