package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// organizationJSON is an organization as Auth0 shows it. metadata is always present ({} when empty) so
// readers can index it without a check.
type organizationJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	DisplayName string            `json:"display_name,omitempty"`
	Branding    *brandingJSON     `json:"branding,omitempty"`
	Metadata    map[string]string `json:"metadata"`
}

type brandingJSON struct {
	LogoURL string      `json:"logo_url,omitempty"`
	Colors  *colorsJSON `json:"colors,omitempty"`
}

type colorsJSON struct {
	Primary        string `json:"primary"`
	PageBackground string `json:"page_background"`
}

func organizationOut(o tenant.Organization) organizationJSON {
	out := organizationJSON{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName, Metadata: o.Metadata}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if b := o.Branding; b != nil {
		out.Branding = &brandingJSON{LogoURL: b.LogoURL}
		if c := b.Colors; c != nil {
			out.Branding.Colors = &colorsJSON{Primary: c.Primary, PageBackground: c.PageBackground}
		}
	}
	return out
}

var organizationFields = []string{"name", "display_name", "branding", "metadata"}

// decodeOrganizationCreate decodes POST /organizations. A null branding or metadata means none.
func decodeOrganizationCreate(body []byte) (tenant.OrganizationInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.OrganizationInput{}, err
	}
	if err := o.allow(organizationFields...); err != nil {
		return tenant.OrganizationInput{}, err
	}
	var in tenant.OrganizationInput
	if in.Name, err = o.requiredString("name"); err != nil {
		return in, err
	}
	if in.DisplayName, err = o.stringField("display_name"); err != nil {
		return in, err
	}
	if !o.null("branding") {
		if in.Branding, err = readBranding(o); err != nil {
			return in, err
		}
	}
	if !o.null("metadata") {
		if in.Metadata, err = o.stringMapField("metadata"); err != nil {
			return in, err
		}
	}
	return in, nil
}

// decodeOrganizationPatch decodes PATCH /organizations/{id}: a null branding removes it, a null metadata
// empties it, and a metadata object replaces the whole metadata.
func decodeOrganizationPatch(body []byte) (tenant.OrganizationPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.OrganizationPatch{}, err
	}
	if err := o.allow(organizationFields...); err != nil {
		return tenant.OrganizationPatch{}, err
	}
	var p tenant.OrganizationPatch
	if p.Name, err = o.stringField("name"); err != nil {
		return p, err
	}
	if p.DisplayName, err = o.stringField("display_name"); err != nil {
		return p, err
	}
	if o.null("branding") {
		p.ClearBranding = true
	} else if p.Branding, err = readBranding(o); err != nil {
		return p, err
	}
	if o.null("metadata") {
		p.Metadata = map[string]string{}
	} else if p.Metadata, err = o.stringMapField("metadata"); err != nil {
		return p, err
	}
	return p, nil
}

func readBranding(o object) (*tenant.Branding, error) {
	b, err := o.objectField("branding")
	if b == nil || err != nil {
		return nil, err
	}
	if err := b.allow("logo_url", "colors"); err != nil {
		return nil, err
	}
	var out tenant.Branding
	logo, err := b.stringField("logo_url")
	if err != nil {
		return nil, err
	}
	if logo != nil {
		out.LogoURL = *logo
	}
	c, err := b.objectField("colors")
	if err != nil {
		return nil, err
	}
	if c != nil {
		if err := c.allow("primary", "page_background"); err != nil {
			return nil, err
		}
		var colors tenant.BrandingColors
		if colors.Primary, err = c.requiredString("primary"); err != nil {
			return nil, err
		}
		if colors.PageBackground, err = c.requiredString("page_background"); err != nil {
			return nil, err
		}
		out.Colors = &colors
	}
	return &out, nil
}

func (h *Handler) createOrganization(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeOrganizationCreate)
	if err != nil {
		return err
	}
	o, err := h.tenant.CreateOrganization(r.Context(), in)
	return reply(w, http.StatusCreated, o, err, organizationOut)
}

func (h *Handler) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, checkpointPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.Organizations(r.Context(), p)
	return replyList(w, p, "organizations", l, err, organizationOut)
}

func (h *Handler) getOrganization(w http.ResponseWriter, r *http.Request) error {
	o, err := h.tenant.Organization(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, o, err, organizationOut)
}

// getOrganizationByName serves GET /organizations/name/{name} (routed by organizationSubresource).
func (h *Handler) getOrganizationByName(w http.ResponseWriter, r *http.Request) error {
	o, err := h.tenant.OrganizationByName(r.Context(), r.PathValue("name"))
	return reply(w, http.StatusOK, o, err, organizationOut)
}

func (h *Handler) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeOrganizationPatch)
	if err != nil {
		return err
	}
	o, err := h.tenant.UpdateOrganization(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, o, err, organizationOut)
}

func (h *Handler) deleteOrganization(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteOrganization(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
