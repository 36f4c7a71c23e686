package tenant

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// A connection's options are a JSON document whose schema is its strategy's. The tenant reads what the
// Management API hands over, refuses any key it does not enforce (an option accepted but ignored would be
// a false promise), fills in the defaults and stores the result, which reads show (secrets aside:
// connectionsecrets.go). Nothing here reaches the network: the discovery document of an OIDC connection
// and the metadata of a SAML one are fetched by the login flow (federation), not when they are stored.

// DatabaseOptions are the options of an auth0 (database) connection, as stored and shown.
type DatabaseOptions struct {
	PasswordPolicy            password.Policy           `json:"passwordPolicy"`
	PasswordComplexityOptions PasswordComplexityOptions `json:"password_complexity_options"`
	DisableSignup             bool                      `json:"disable_signup"`
	BruteForceProtection      bool                      `json:"brute_force_protection"`
}

// PasswordComplexityOptions are a database connection's password_complexity_options.
type PasswordComplexityOptions struct {
	MinLength int `json:"min_length"`
}

// OIDCOptions are the options of an oidc connection, as stored and shown (its client secret is sealed
// apart: ConnectionSecret).
type OIDCOptions struct {
	Type                    string                 `json:"type"` // back_channel or front_channel
	ClientID                string                 `json:"client_id"`
	DiscoveryURL            string                 `json:"discovery_url,omitempty"`
	Issuer                  string                 `json:"issuer,omitempty"`
	AuthorizationEndpoint   string                 `json:"authorization_endpoint,omitempty"`
	TokenEndpoint           string                 `json:"token_endpoint,omitempty"`
	JWKSURI                 string                 `json:"jwks_uri,omitempty"`
	Scope                   string                 `json:"scope"`
	DomainAliases           []string               `json:"domain_aliases,omitempty"`
	ConnectionSettings      OIDCConnectionSettings `json:"connection_settings"`
	TokenEndpointAuthMethod string                 `json:"token_endpoint_auth_method"`
}

// OIDCConnectionSettings are an oidc connection's connection_settings.
type OIDCConnectionSettings struct {
	PKCE string `json:"pkce"` // auto, S256 or disabled
}

// SAMLOptions are the options of a samlp connection, as stored and shown.
type SAMLOptions struct {
	MetadataXML        string            `json:"metadataXml,omitempty"`
	MetadataURL        string            `json:"metadataUrl,omitempty"`
	SignInEndpoint     string            `json:"signInEndpoint,omitempty"`
	SignOutEndpoint    string            `json:"signOutEndpoint,omitempty"`
	SigningCert        string            `json:"signingCert,omitempty"`
	SignSAMLRequest    bool              `json:"signSAMLRequest"`
	SignatureAlgorithm string            `json:"signatureAlgorithm"`
	DigestAlgorithm    string            `json:"digestAlgorithm"`
	ProtocolBinding    string            `json:"protocolBinding"`
	UserIDAttribute    string            `json:"user_id_attribute,omitempty"`
	FieldsMap          map[string]string `json:"fieldsMap,omitempty"`
	DomainAliases      []string          `json:"domain_aliases,omitempty"`
	IDPInitiated       SAMLIDPInitiated  `json:"idpinitiated"`
	EntityID           string            `json:"entityId,omitempty"`
	EmailVerifiedByIDP bool              `json:"email_verified_by_idp"`
}

// SAMLIDPInitiated is a samlp connection's idpinitiated; only false in this version.
type SAMLIDPInitiated struct {
	Enabled bool `json:"enabled"`
}

// The values of the options.
var (
	OIDCTypes                   = []string{"back_channel", "front_channel"}
	OIDCPKCEModes               = []string{"auto", "S256", "disabled"}
	OIDCTokenEndpointAuthMethod = []string{"client_secret_post", "client_secret_basic"}
	SAMLSignatureAlgorithms     = []string{"rsa-sha256"}
	SAMLDigestAlgorithms        = []string{"sha256"}
	SAMLProtocolBindings        = []string{"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}
)

// Limits of the options.
const (
	maxClientSecretLength = 700
	maxOptionText         = 2048
	maxDomainAliases      = 100
	maxFieldsMap          = 50
	maxSAMLMetadataBytes  = 256 << 10
)

const optionsProperty = "options"

// DatabaseOptionsOf reads the options of an auth0 connection.
func DatabaseOptionsOf(c store.Connection) (DatabaseOptions, error) {
	var o DatabaseOptions
	if c.Strategy != store.StrategyAuth0 {
		return o, fmt.Errorf("connection %s is not a database connection", c.ID)
	}
	return o, decodeOptions(c, &o)
}

// OIDCOptionsOf reads the options of an oidc connection.
func OIDCOptionsOf(c store.Connection) (OIDCOptions, error) {
	var o OIDCOptions
	if c.Strategy != store.StrategyOIDC {
		return o, fmt.Errorf("connection %s is not an oidc connection", c.ID)
	}
	return o, decodeOptions(c, &o)
}

// SAMLOptionsOf reads the options of a samlp connection.
func SAMLOptionsOf(c store.Connection) (SAMLOptions, error) {
	var o SAMLOptions
	if c.Strategy != store.StrategySAMLP {
		return o, fmt.Errorf("connection %s is not a samlp connection", c.ID)
	}
	return o, decodeOptions(c, &o)
}

func decodeOptions(c store.Connection, v any) error {
	if len(c.Options) == 0 {
		return fmt.Errorf("connection %s has no options", c.ID)
	}
	if err := json.Unmarshal(c.Options, v); err != nil {
		return fmt.Errorf("connection %s: options: %w", c.ID, err)
	}
	return nil
}

// optionsContext is what the options of a connection are checked against.
type optionsContext struct {
	// plainHTTPLoopback allows http://localhost and http://127.0.0.1 URLs: orgauth's own issuer is plain http.
	plainHTTPLoopback bool
	// httpsIssuer: orgauth's own issuer is https (a front_channel connection needs it).
	httpsIssuer bool
	// storedSecrets are the secret options already stored, which options that leave them out keep.
	storedSecrets map[string]bool
}

// checkedOptions are a strategy's options once read: what to store, and the secrets given in plain.
type checkedOptions struct {
	doc           any               // DatabaseOptions, OIDCOptions or SAMLOptions
	secrets       map[string]string // option -> secret to seal
	clearSecrets  []string          // secret options given as null: removed
	domainAliases []string
}

// checkOptions reads raw (nil: none given) as the options of strategy.
func checkOptions(strategy string, raw json.RawMessage, oc optionsContext) (checkedOptions, error) {
	if raw == nil {
		raw = json.RawMessage(`{}`)
	}
	d, err := parseDoc(optionsProperty, raw)
	if err != nil {
		return checkedOptions{}, err
	}
	switch strategy {
	case store.StrategyAuth0:
		o, err := checkDatabaseOptions(d)
		return checkedOptions{doc: o}, err
	case store.StrategyOIDC:
		return checkOIDCOptions(d, oc)
	case store.StrategySAMLP:
		return checkSAMLOptions(d, oc)
	}
	return checkedOptions{}, fmt.Errorf("no options for strategy %q", strategy)
}

func checkDatabaseOptions(d jsonDoc) (DatabaseOptions, error) {
	o := DatabaseOptions{
		PasswordPolicy:            password.DefaultPolicy,
		PasswordComplexityOptions: PasswordComplexityOptions{MinLength: password.DefaultMinLength},
		BruteForceProtection:      true,
	}
	if err := d.allow("passwordPolicy", "password_complexity_options", "disable_signup", "brute_force_protection"); err != nil {
		return o, err
	}
	policy, err := d.str("passwordPolicy")
	if err != nil {
		return o, err
	}
	if policy != nil {
		names := make([]string, len(password.Policies))
		for i, p := range password.Policies {
			names[i] = string(p)
		}
		if err := checkEnum(d.prop("passwordPolicy"), *policy, names...); err != nil {
			return o, err
		}
		o.PasswordPolicy = password.Policy(*policy)
	}
	complexity, err := d.object("password_complexity_options")
	if err != nil {
		return o, err
	}
	if complexity != nil {
		if err := complexity.allow("min_length"); err != nil {
			return o, err
		}
		n, err := complexity.integer("min_length")
		if err != nil {
			return o, err
		}
		if n != nil {
			if *n < 1 || *n > password.MaxMinLength {
				return o, invalid(complexity.prop("min_length"), "Value %d is outside 1..%d", *n, password.MaxMinLength)
			}
			o.PasswordComplexityOptions.MinLength = *n
		}
	}
	signup, err := d.boolean("disable_signup")
	if err != nil {
		return o, err
	}
	if signup != nil {
		o.DisableSignup = *signup
	}
	bfp, err := d.boolean("brute_force_protection")
	if err != nil {
		return o, err
	}
	if bfp != nil && !*bfp {
		return o, invalid(d.prop("brute_force_protection"), "Brute-force protection cannot be turned off")
	}
	return o, nil
}

func checkOIDCOptions(d jsonDoc, oc optionsContext) (checkedOptions, error) {
	o := OIDCOptions{Type: "back_channel", Scope: "openid profile email",
		ConnectionSettings: OIDCConnectionSettings{PKCE: "auto"}, TokenEndpointAuthMethod: "client_secret_post"}
	out := checkedOptions{secrets: map[string]string{}}
	if err := d.allow("type", "client_id", "client_secret", "discovery_url", "issuer", "authorization_endpoint",
		"token_endpoint", "jwks_uri", "scope", "scopes", "domain_aliases", "connection_settings",
		"token_endpoint_auth_method"); err != nil {
		return out, err
	}
	var err error
	read := func(key string, dst *string, check func(property, value string) error) {
		if err != nil {
			return
		}
		var v *string
		if v, err = d.str(key); err != nil || v == nil {
			return
		}
		if err = check(d.prop(key), *v); err == nil {
			*dst = *v
		}
	}
	upstreamURL := func(property, value string) error { return checkUpstreamURL(property, value, oc) }
	read("type", &o.Type, func(p, v string) error { return checkEnum(p, v, OIDCTypes...) })
	read("client_id", &o.ClientID, func(p, v string) error { return checkText(p, v, 1, 255, false) })
	read("discovery_url", &o.DiscoveryURL, upstreamURL)
	read("issuer", &o.Issuer, upstreamURL)
	read("authorization_endpoint", &o.AuthorizationEndpoint, upstreamURL)
	read("token_endpoint", &o.TokenEndpoint, upstreamURL)
	read("jwks_uri", &o.JWKSURI, upstreamURL)
	read("token_endpoint_auth_method", &o.TokenEndpointAuthMethod, func(p, v string) error {
		return checkEnum(p, v, OIDCTokenEndpointAuthMethod...)
	})
	var scope, scopes string
	read("scope", &scope, checkOIDCScope)
	read("scopes", &scopes, checkOIDCScope)
	var secret string
	if !d.null("client_secret") { // null removes the stored secret
		read("client_secret", &secret, func(p, v string) error { return checkText(p, v, 1, maxClientSecretLength, false) })
	}
	if err != nil {
		return out, err
	}
	switch {
	case d.fields["scope"] != nil && d.fields["scopes"] != nil && normalizeScope(scope) != normalizeScope(scopes):
		return out, invalid(d.prop("scopes"), "Give the scopes once, as scope (scopes is its alias)")
	case d.fields["scope"] != nil:
		o.Scope = normalizeScope(scope)
	case d.fields["scopes"] != nil:
		o.Scope = normalizeScope(scopes)
	}
	if settings, err := d.object("connection_settings"); err != nil {
		return out, err
	} else if settings != nil {
		if err := settings.allow("pkce"); err != nil {
			return out, err
		}
		pkce, err := settings.str("pkce")
		if err != nil {
			return out, err
		}
		if pkce != nil {
			if err := checkEnum(settings.prop("pkce"), *pkce, OIDCPKCEModes...); err != nil {
				return out, err
			}
			o.ConnectionSettings.PKCE = *pkce
		}
	}
	if o.DomainAliases, err = readDomainAliases(d); err != nil {
		return out, err
	}
	out.domainAliases = o.DomainAliases
	_, secretGiven := d.fields["client_secret"]
	switch {
	case d.null("client_secret"):
		out.clearSecrets = append(out.clearSecrets, "client_secret")
	case secretGiven:
		out.secrets["client_secret"] = secret
	}
	hasSecret := secret != "" || !secretGiven && oc.storedSecrets["client_secret"]
	switch {
	case o.ClientID == "":
		return out, invalid(d.path, "Missing required property: client_id")
	case o.Type == "back_channel" && !hasSecret:
		return out, invalid(d.path, "Missing required property: client_secret (a back_channel connection needs it)")
	case o.Type == "front_channel" && !oc.httpsIssuer:
		return out, invalid(d.prop("type"),
			"A front_channel connection needs orgauth's issuer to be https (the identity provider posts its answer cross-site)")
	case o.DiscoveryURL == "" && (o.Issuer == "" || o.AuthorizationEndpoint == "" || o.JWKSURI == ""):
		return out, invalid(d.path, "Give discovery_url, or issuer, authorization_endpoint and jwks_uri")
	case o.DiscoveryURL == "" && o.Type == "back_channel" && o.TokenEndpoint == "":
		return out, invalid(d.path, "Missing required property: token_endpoint (a back_channel connection without discovery_url needs it)")
	}
	out.doc = o
	return out, nil
}

// checkOIDCScope: space-separated scopes that include openid.
func checkOIDCScope(property, value string) error {
	if err := checkText(property, value, 1, 1024, false); err != nil {
		return err
	}
	if !slices.Contains(strings.Fields(value), "openid") {
		return invalid(property, "The scope must include openid")
	}
	return nil
}

func normalizeScope(s string) string { return strings.Join(strings.Fields(s), " ") }

func checkSAMLOptions(d jsonDoc, oc optionsContext) (checkedOptions, error) {
	o := SAMLOptions{SignatureAlgorithm: "rsa-sha256", DigestAlgorithm: "sha256", ProtocolBinding: SAMLProtocolBindings[0]}
	out := checkedOptions{}
	if err := d.allow("metadataXml", "metadataUrl", "signInEndpoint", "signOutEndpoint", "signingCert", "signSAMLRequest",
		"signatureAlgorithm", "digestAlgorithm", "protocolBinding", "user_id_attribute", "fieldsMap", "domain_aliases",
		"idpinitiated", "entityId", "email_verified_by_idp"); err != nil {
		return out, err
	}
	var err error
	read := func(key string, dst *string, check func(property, value string) error) {
		if err != nil {
			return
		}
		var v *string
		if v, err = d.str(key); err != nil || v == nil {
			return
		}
		if err = check(d.prop(key), *v); err == nil {
			*dst = *v
		}
	}
	upstreamURL := func(property, value string) error { return checkUpstreamURL(property, value, oc) }
	text := func(max int) func(string, string) error {
		return func(p, v string) error { return checkText(p, v, 1, max, false) }
	}
	read("metadataXml", &o.MetadataXML, checkSAMLMetadata)
	read("metadataUrl", &o.MetadataURL, upstreamURL)
	read("signInEndpoint", &o.SignInEndpoint, upstreamURL)
	read("signOutEndpoint", &o.SignOutEndpoint, upstreamURL)
	read("signingCert", &o.SigningCert, checkCertificate)
	read("signatureAlgorithm", &o.SignatureAlgorithm, func(p, v string) error { return checkEnum(p, v, SAMLSignatureAlgorithms...) })
	read("digestAlgorithm", &o.DigestAlgorithm, func(p, v string) error { return checkEnum(p, v, SAMLDigestAlgorithms...) })
	read("protocolBinding", &o.ProtocolBinding, func(p, v string) error { return checkEnum(p, v, SAMLProtocolBindings...) })
	read("user_id_attribute", &o.UserIDAttribute, text(255))
	read("entityId", &o.EntityID, text(1024))
	if err != nil {
		return out, err
	}
	for key, dst := range map[string]*bool{"signSAMLRequest": &o.SignSAMLRequest, "email_verified_by_idp": &o.EmailVerifiedByIDP} {
		b, err := d.boolean(key)
		if err != nil {
			return out, err
		}
		if b != nil {
			*dst = *b
		}
	}
	if idp, err := d.object("idpinitiated"); err != nil {
		return out, err
	} else if idp != nil {
		if err := idp.allow("enabled"); err != nil {
			return out, err
		}
		enabled, err := idp.boolean("enabled")
		if err != nil {
			return out, err
		}
		if enabled != nil && *enabled {
			return out, invalid(idp.prop("enabled"),
				"IdP-initiated login is not supported: it can carry neither an organization nor a state")
		}
	}
	if o.FieldsMap, err = d.stringMap("fieldsMap"); err != nil {
		return out, err
	}
	if len(o.FieldsMap) > maxFieldsMap {
		return out, invalid(d.prop("fieldsMap"), "Too many properties defined (%d), maximum %d", len(o.FieldsMap), maxFieldsMap)
	}
	for k, v := range o.FieldsMap {
		if err := checkText(d.prop("fieldsMap"), k, 1, 255, false); err != nil {
			return out, err
		}
		if err := checkText(d.prop("fieldsMap")+"."+k, v, 1, 1024, false); err != nil {
			return out, err
		}
	}
	if o.DomainAliases, err = readDomainAliases(d); err != nil {
		return out, err
	}
	out.domainAliases = o.DomainAliases
	switch {
	case o.MetadataXML != "" && o.MetadataURL != "":
		return out, invalid(d.path, "Give one of metadataXml and metadataUrl")
	case o.MetadataXML == "" && o.MetadataURL == "" && (o.SignInEndpoint == "" || o.SigningCert == ""):
		return out, invalid(d.path, "Give metadataXml, metadataUrl, or signInEndpoint and signingCert")
	}
	out.doc = o
	return out, nil
}

// hostname is a DNS name in lowercase, as domain aliases are.
var hostname = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// readDomainAliases reads domain_aliases: unique host names, stored in lowercase.
func readDomainAliases(d jsonDoc) ([]string, error) {
	aliases, err := d.strs("domain_aliases")
	if aliases == nil || err != nil {
		return nil, err
	}
	property := d.prop("domain_aliases")
	if len(*aliases) > maxDomainAliases {
		return nil, invalid(property, "Array is too long (%d), maximum %d", len(*aliases), maxDomainAliases)
	}
	out := make([]string, len(*aliases))
	for i, a := range *aliases {
		out[i] = strings.ToLower(a)
		if len(out[i]) > 253 || !hostname.MatchString(out[i]) {
			return nil, invalid(property, "Object didn't pass validation for format hostname: %s", a)
		}
	}
	if err := checkUnique(property, out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// checkUpstreamURL: an absolute https URL, or plain http to localhost or 127.0.0.1 (any port) while
// orgauth's own issuer is plain http (a test setup).
func checkUpstreamURL(property, value string, oc optionsContext) error {
	if err := checkText(property, value, 1, maxOptionText, false); err != nil {
		return err
	}
	u, err := url.Parse(value)
	if err == nil && u.Host != "" && u.User == nil && u.Fragment == "" {
		host := u.Hostname()
		switch {
		case u.Scheme == "https":
			return nil
		case u.Scheme == "http" && oc.plainHTTPLoopback && (host == "localhost" || host == "127.0.0.1"):
			return nil
		}
	}
	return invalid(property, "Object didn't pass validation for format absolute-https-uri: %s", value)
}

// checkCertificate: an X.509 certificate, in PEM or as base64 DER.
func checkCertificate(property, value string) error {
	if err := checkLength(property, value, 1, 16<<10); err != nil {
		return err
	}
	der := []byte(nil)
	if b, _ := pem.Decode([]byte(strings.TrimSpace(value))); b != nil {
		if b.Type != "CERTIFICATE" {
			return invalid(property, "Not a certificate: PEM type %q", b.Type)
		}
		der = b.Bytes
	} else if raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), "")); err == nil {
		der = raw
	}
	if der == nil {
		return invalid(property, "Not an X.509 certificate in PEM or base64 DER")
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return invalid(property, "Invalid certificate")
	}
	return nil
}

// checkSAMLMetadata: well-formed XML without a DTD whose root is a SAML 2.0 EntityDescriptor.
func checkSAMLMetadata(property, value string) error {
	if len(value) > maxSAMLMetadataBytes {
		return invalid(property, "The metadata is larger than %d bytes", maxSAMLMetadataBytes)
	}
	dec := xml.NewDecoder(strings.NewReader(value))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return invalid(property, "The metadata is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return invalid(property, "The metadata must not have a DTD")
		case xml.StartElement:
			if root == "" {
				root = t.Name.Space + " " + t.Name.Local
			}
		}
	}
	if root != "urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor" {
		return invalid(property, "The metadata's root must be a SAML 2.0 EntityDescriptor")
	}
	return nil
}

// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
