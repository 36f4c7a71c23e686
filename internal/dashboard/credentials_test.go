package dashboard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"go/format"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

// publicKeyPEM makes an RSA key of bits and returns its public key as SPKI PEM, and the private key as
// PKCS#8 PEM.
func publicKeyPEM(t *testing.T, bits int) (public, private string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}))
}

func TestCredentialsTab(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	c := createClient(t, h, "Acme bot")
	tab := "/dashboard/applications/" + c.ClientID + "/credentials"
	client := func() tenant.Client {
		t.Helper()
		c, err := h.tenant.Client(ctx, c.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	credentials := func() []tenant.ClientCredential {
		t.Helper()
		l, err := h.tenant.ClientCredentials(ctx, c.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	keyA, privateA := publicKeyPEM(t, 2048)
	keyB, _ := publicKeyPEM(t, 2048)
	add := func(name, alg, pem, expires string) page {
		return h.post(tab, url.Values{"name": {name}, "alg": {alg}, "pem": {pem}, "expires_at": {expires}})
	}

	t.Run("a new application shows its secret method and offers to add a key", func(t *testing.T) {
		p := h.get(tab)
		wantStatus(t, p, http.StatusOK)
		wantBody(t, p, `<strong id="auth-method">Client secret in the request body (Post)</strong> <code>client_secret_post</code>`,
			"Add a public key below to use private_key_jwt instead of the client secret.", `id="add-credential"`,
			`<option value="RS256" selected>RS256</option>`, `<a href="/dashboard/applications/`+c.ClientID+`/credentials" aria-current="page">Credentials</a>`)
		if strings.Contains(p.body, `id="use-private-key-jwt"`) {
			t.Error("the switch is offered without a credential")
		}
	})

	for _, tc := range []struct {
		name, field, message string
		form                 url.Values
	}{
		{"text that is not PEM", "pem", "Not a PEM-encoded public key or certificate.",
			url.Values{"alg": {"RS256"}, "pem": {"ssh-rsa AAAAB3NzaC1yc2E"}}},
		{"an empty key", "pem", "Not a PEM-encoded public key or certificate.",
			url.Values{"alg": {"RS256"}, "pem": {""}}},
		{"two PEM blocks", "pem", "Only one PEM block is allowed.",
			url.Values{"alg": {"RS256"}, "pem": {keyA + keyB}}},
		{"a private key pasted by mistake", "pem", "This is a private key: paste its public key instead (openssl pkey -in private.pem -pubout). The private key stays with the application; orgauth did not keep it.",
			url.Values{"alg": {"RS256"}, "pem": {privateA}}},
		{"an algorithm not offered", "alg", `No enum match for: "HS256" (allowed: RS256, RS384, PS256).`,
			url.Values{"alg": {"HS256"}, "pem": {keyA}}},
		{"a name too long", "name", "Shorten this to 128 characters or fewer (it has 129).",
			url.Values{"name": {strings.Repeat("k", 129)}, "alg": {"RS256"}, "pem": {keyA}}},
		{"an expiry in the past", "expires_at", "The expiry must be in the future.",
			url.Values{"alg": {"RS256"}, "pem": {keyA}, "expires_at": {"2020-01-01"}}},
		{"an expiry that is not a date", "expires_at", "Enter a date such as 2027-12-31, or leave the field empty for a key that does not expire.",
			url.Values{"alg": {"RS256"}, "pem": {keyA}, "expires_at": {"next year"}}},
	} {
		t.Run("fail/"+tc.name+" is shown at the field, and the form keeps what was typed", func(t *testing.T) {
			p := h.post(tab, tc.form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantBody(t, p, fieldErrorHTML(tc.field, tc.message), `name="`+tc.field+`"`, `aria-describedby="`+errorID(tc.field)+`"`)
			switch pem := strings.TrimSpace(tc.form.Get("pem")); {
			case pem == strings.TrimSpace(privateA) && strings.Contains(html.UnescapeString(p.body), "PRIVATE KEY-----"):
				t.Error("the page shows the private key back")
			case pem != "" && pem != strings.TrimSpace(privateA) && !strings.Contains(html.UnescapeString(p.body), pem):
				t.Errorf("the form lost the key typed:\n%s", p.body)
			}
			if n := len(credentials()); n != 0 {
				t.Fatalf("%d credentials added", n)
			}
		})
	}
	t.Run("fail/a key of 1024 bits is shown at the key", func(t *testing.T) {
		small, _ := publicKeyPEM(t, 1024)
		p := add("", "RS256", small, "")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("pem", "The RSA key has 1024 bits; 2048 to 4096 are allowed."))
	})

	var first tenant.ClientCredential
	t.Run("adding a key lists it with its kid, alg and expiry, not used yet", func(t *testing.T) {
		wantRedirect(t, add("Production key", "PS256", keyA, "2099-06-30"), tab+"?notice=credential-added")
		l := credentials()
		if len(l) != 1 || l[0].Name != "Production key" || l[0].Alg != "PS256" || l[0].KID == "" ||
			!l[0].ExpiresAt.Equal(time.Date(2099, 6, 30, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("credentials %+v", l)
		}
		first = l[0]
		p := h.get(tab + "?notice=credential-added")
		wantBody(t, p, "Credential added. It takes effect once the application uses private_key_jwt with it.",
			`<tr data-credential="`+first.ID+`">`, "Production key", `<code class="kid">`+first.KID+`</code>`, `<span class="chip">PS256</span>`,
			`title="2099-06-30 00:00 UTC">2099-06-30</span>`, `<span class="badge">Not used</span>`, `id="use-private-key-jwt"`,
			html.EscapeString("Its client secret is removed at once"))
		if strings.Contains(p.body, "BEGIN PUBLIC KEY-----\nMII") {
			t.Error("the page shows the PEM again")
		}
		if m := client().PrivateKeyJWTCredentials; m != nil {
			t.Fatalf("adding referenced it: %v", m)
		}
	})

	t.Run("the switch to private_key_jwt uses the credentials and removes the secret", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/applications/"+c.ClientID+"/authentication", url.Values{"method": {"private_key_jwt"}}), tab+"?notice=private-key-jwt")
		got := client()
		if !slices.Equal(got.PrivateKeyJWTCredentials, []string{first.ID}) || got.TokenEndpointAuthMethod != "" || got.SecretHash != nil {
			t.Fatalf("client %+v", got)
		}
		p := h.get(tab)
		wantBody(t, p, `<strong id="auth-method">Private key JWT</strong> <code>private_key_jwt</code>`, `id="use-secret"`,
			`<span class="badge badge-ok">`, html.EscapeString("It is the only key private_key_jwt uses"))
		settings := h.get("/dashboard/applications/" + c.ClientID)
		wantBody(t, settings, "This application authenticates with private_key_jwt: it has no client secret.", `Private key JWT <code>private_key_jwt</code>`)
		if strings.Contains(settings.body, `name="token_endpoint_auth_method"`) || strings.Contains(settings.body, "/rotate-secret") {
			t.Error("the settings offer a secret method or a rotation to a private_key_jwt application")
		}
	})
	t.Run("saving the settings keeps private_key_jwt", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/applications/"+c.ClientID, url.Values{"name": {"Acme bot"}, "app_type": {"non_interactive"},
			"grant_types": {"client_credentials"}}), "/dashboard/applications/"+c.ClientID+"?notice=saved")
		if got := client(); len(got.PrivateKeyJWTCredentials) != 1 || got.TokenEndpointAuthMethod != "" {
			t.Fatalf("client %+v", got)
		}
	})
	t.Run("fail/a secret method sent with the settings of a private_key_jwt application is refused at the field", func(t *testing.T) {
		p := h.post("/dashboard/applications/"+c.ClientID, url.Values{"name": {"Acme bot"}, "app_type": {"non_interactive"},
			"grant_types": {"client_credentials"}, "token_endpoint_auth_method": {"client_secret_post"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("token_endpoint_auth_method", "Must be null when client_authentication_methods.private_key_jwt is configured."))
	})
	t.Run("fail/rotating the secret of a private_key_jwt application is refused", func(t *testing.T) {
		p := h.post("/dashboard/applications/"+c.ClientID+"/rotate-secret", nil)
		wantStatus(t, p, http.StatusBadRequest)
		wantBody(t, p, "The client authenticates with private_key_jwt: it has no client secret to rotate.")
	})

	t.Run("a second key is listed as not used, and Use all adds it", func(t *testing.T) {
		wantRedirect(t, add("", "RS256", keyB, ""), tab)
		p := h.get(tab)
		wantBody(t, p, "One credential is not used yet", `id="use-all"`, `<span class="muted">Never</span>`, `<span class="muted">Unnamed</span>`)
		wantRedirect(t, h.post("/dashboard/applications/"+c.ClientID+"/authentication", url.Values{"method": {"private_key_jwt"}}), tab)
		if got := client().PrivateKeyJWTCredentials; len(got) != 2 {
			t.Fatalf("references %v", got)
		}
		wantBody(t, h.get(tab), "This application has 2 credentials, the most it may have.")
	})
	t.Run("fail/a third key is refused at the top of the form", func(t *testing.T) {
		keyC, _ := publicKeyPEM(t, 2048)
		p := add("", "RS256", keyC, "")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, `<div class="alert" role="alert">A client may have at most 2 credentials. Delete the one no longer used, then add the new key.</div>`)
	})
	t.Run("deleting a key removes it and its reference", func(t *testing.T) {
		l := credentials()
		wantRedirect(t, h.post(tab+"/"+l[1].ID+"/delete", nil), tab+"?notice=credential-deleted")
		if got := client().PrivateKeyJWTCredentials; !slices.Equal(got, []string{first.ID}) {
			t.Fatalf("references %v", got)
		}
		if n := len(credentials()); n != 1 {
			t.Fatalf("%d credentials", n)
		}
	})

	t.Run("fail/switching back to an unknown method is refused in the method's card", func(t *testing.T) {
		p := h.post("/dashboard/applications/"+c.ClientID+"/authentication", url.Values{"method": {"magic"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, `<div class="alert" role="alert" id="error-authentication">No enum match for: &#34;magic&#34; (allowed: client_secret_post, client_secret_basic, none).</div>`)
		if got := client(); len(got.PrivateKeyJWTCredentials) != 1 {
			t.Fatalf("client changed: %+v", got)
		}
	})
	t.Run("switching back to a secret method leaves no secret and offers to rotate", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/applications/"+c.ClientID+"/authentication", url.Values{"method": {"client_secret_basic"}}), tab+"?notice=secret-method")
		got := client()
		if got.PrivateKeyJWTCredentials != nil || got.TokenEndpointAuthMethod != "client_secret_basic" || got.SecretHash != nil {
			t.Fatalf("client %+v", got)
		}
		p := h.get(tab + "?notice=secret-method")
		wantBody(t, p, "The application now authenticates with a client secret.", `<code>client_secret_basic</code>`,
			"This application has no client secret: it was removed when the application switched to private_key_jwt.",
			`action="/dashboard/applications/`+c.ClientID+`/rotate-secret"`, `<span class="badge">Not used</span>`)
		wantBody(t, h.get("/dashboard/applications/"+c.ClientID), "This application has no client secret yet", `<option value="client_secret_basic" selected>`)
		shown := h.get(h.post("/dashboard/applications/"+c.ClientID+"/rotate-secret", nil).location())
		secret := clientSecretCode.FindStringSubmatch(shown.body)[1]
		if !authenticates(t, h.tenant, c.ClientID, secret) {
			t.Fatal("the new secret does not authenticate")
		}
		if strings.Contains(h.get(tab).body, "has no client secret") {
			t.Error("the tab still asks for a secret")
		}
	})

	t.Run("fail/the switch without a credential is refused in the method's card", func(t *testing.T) {
		bare := createClient(t, h, "Bare bot")
		p := h.post("/dashboard/applications/"+bare.ClientID+"/authentication", url.Values{"method": {"private_key_jwt"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, `id="error-authentication">Add a credential first: private_key_jwt needs at least one public key.</div>`)
	})
	t.Run("deleting the last key in use says the application cannot authenticate, and offers a secret", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/applications/"+c.ClientID+"/authentication", url.Values{"method": {"private_key_jwt"}}), tab)
		wantRedirect(t, h.post(tab+"/"+first.ID+"/delete", nil), tab)
		p := h.get(tab)
		wantBody(t, p, "No method: the application cannot authenticate", "The last credential private_key_jwt used was deleted.", `id="use-secret"`)
	})
	t.Run("fail/an unknown application is a 404 page on every form", func(t *testing.T) {
		for _, path := range []string{"/credentials", "/authentication", "/credentials/cred_x/delete"} {
			p := h.post("/dashboard/applications/nope"+path, url.Values{"method": {"private_key_jwt"}, "alg": {"RS256"}, "pem": {keyA}})
			wantStatus(t, p, http.StatusNotFound)
			wantBody(t, p, "This application does not exist: it may have been deleted.")
		}
		wantStatus(t, h.get("/dashboard/applications/nope/credentials"), http.StatusNotFound)
	})
	t.Run("fail/every form refuses a post without its CSRF token", func(t *testing.T) {
		before := len(credentials())
		for _, path := range []string{tab, "/dashboard/applications/" + c.ClientID + "/authentication", tab + "/" + first.ID + "/delete"} {
			wantStatus(t, h.postRaw(path, url.Values{"method": {"private_key_jwt"}, "alg": {"RS256"}, "pem": {keyA}}), http.StatusForbidden)
		}
		if n := len(credentials()); n != before {
			t.Fatalf("%d credentials, want %d", n, before)
		}
	})
}

func TestQuickStartPerAuthenticationMethod(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	c := createClient(t, h, "Acme bot")
	createAPI(t, h, "https://reports", "read:reports")
	createGrant(t, h, c.ClientID, "https://reports", tenant.UsageDeny, "read:reports")
	tab := "/dashboard/applications/" + c.ClientID + "/quickstart"
	snippet := func(p page, id string) string {
		t.Helper()
		m := regexp.MustCompile(`(?s)<code id="` + id + `">(.*?)</code>`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no %s in the page:\n%s", id, p.body)
		}
		return html.UnescapeString(m[1])
	}
	gofmted := func(t *testing.T, code string, wants ...string) {
		t.Helper()
		formatted, err := format.Source([]byte(code))
		if err != nil || string(formatted) != code {
			t.Errorf("not gofmt-formatted (%v):\n%s", err, code)
		}
		for _, want := range wants {
			if !strings.Contains(code, want) {
				t.Errorf("snippet lacks %s:\n%s", want, code)
			}
		}
	}

	t.Run("client_secret_post sends the secret in the body", func(t *testing.T) {
		p := h.get(tab)
		wantBody(t, p, `--data-urlencode &#34;client_secret=$CLIENT_SECRET&#34;`)
		gofmted(t, snippet(p, "snippet-go"), "AuthStyle:    oauth2.AuthStyleInParams", `ClientSecret: os.Getenv("CLIENT_SECRET")`)
	})
	t.Run("client_secret_basic uses curl -u and the Basic header", func(t *testing.T) {
		basic := "client_secret_basic"
		if _, err := h.tenant.UpdateClient(ctx, c.ClientID, tenant.ClientPatch{TokenEndpointAuthMethod: &basic}); err != nil {
			t.Fatal(err)
		}
		p := h.get(tab)
		want := "curl --request POST --url 'http://dashboard.test/oauth/token' \\\n" +
			"  --user '" + c.ClientID + ":'\"$CLIENT_SECRET\" \\\n" +
			"  --data grant_type=client_credentials \\\n" +
			"  --data-urlencode 'audience=https://reports'"
		if got := snippet(p, "snippet-curl"); got != want {
			t.Errorf("curl snippet:\n%s\nwant:\n%s", got, want)
		}
		gofmted(t, snippet(p, "snippet-go"), "AuthStyle:    oauth2.AuthStyleInHeader")
	})
	t.Run("private_key_jwt signs an assertion for the credential in use, and sends no secret", func(t *testing.T) {
		key, _ := publicKeyPEM(t, 2048)
		alg := "RS384"
		cred, err := h.tenant.CreateClientCredential(ctx, c.ClientID, tenant.ClientCredentialInput{CredentialType: "public_key", PEM: key, Alg: &alg})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.tenant.UpdateClient(ctx, c.ClientID, tenant.ClientPatch{TokenEndpointAuthMethod: new(string), PrivateKeyJWTCredentialIDs: &[]string{cred.ID}}); err != nil {
			t.Fatal(err)
		}
		p := h.get(tab)
		want := "curl --request POST --url 'http://dashboard.test/oauth/token' \\\n" +
			"  --data grant_type=client_credentials \\\n" +
			"  --data-urlencode 'client_id=" + c.ClientID + "' \\\n" +
			"  --data-urlencode 'client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer' \\\n" +
			"  --data-urlencode \"client_assertion=$CLIENT_ASSERTION\" \\\n" +
			"  --data-urlencode 'audience=https://reports'"
		if got := snippet(p, "snippet-curl"); got != want {
			t.Errorf("curl snippet:\n%s\nwant:\n%s", got, want)
		}
		wantBody(t, p, "CLIENT_ASSERTION=$(go run ./assertion)", `<code>`+cred.KID+`</code> (RS384)`)
		signing := []string{`jose.SigningKey{Algorithm: jose.RS384, Key: key}`, `WithHeader("kid", "` + cred.KID + `")`,
			`Issuer:   "` + c.ClientID + `"`, `Subject:  "` + c.ClientID + `"`, `Audience: jwt.Audience{"http://dashboard.test/"}`,
			"ID:       rand.Text()", "Expiry:   jwt.NewNumericDate(now.Add(time.Minute))"}
		gofmted(t, snippet(p, "snippet-assertion"), append(signing, "fmt.Println(assertion)")...)
		goProgram := snippet(p, "snippet-go")
		gofmted(t, goProgram, append(signing, "AuthStyle: oauth2.AuthStyleInParams", `"client_assertion":      {assertion}`,
			`"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}`)...)
		if strings.Contains(goProgram+snippet(p, "snippet-curl"), "CLIENT_SECRET") {
			t.Error("a private_key_jwt snippet sends a secret")
		}
	})
}
