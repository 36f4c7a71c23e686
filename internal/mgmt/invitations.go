package mgmt

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// invitationJSON is an invitation as Auth0 shows it: connection_id, roles and the metadata only when
// the invitation has them.
type invitationJSON struct {
	ID             string                     `json:"id"`
	OrganizationID string                     `json:"organization_id"`
	Inviter        invitationInviterJSON      `json:"inviter"`
	Invitee        invitationInviteeJSON      `json:"invitee"`
	InvitationURL  string                     `json:"invitation_url,omitempty"`
	CreatedAt      string                     `json:"created_at"`
	ExpiresAt      string                     `json:"expires_at"`
	ClientID       string                     `json:"client_id"`
	ConnectionID   string                     `json:"connection_id,omitempty"`
	AppMetadata    map[string]json.RawMessage `json:"app_metadata,omitempty"`
	UserMetadata   map[string]json.RawMessage `json:"user_metadata,omitempty"`
	Roles          []string                   `json:"roles,omitempty"`
	TicketID       string                     `json:"ticket_id"`
}

type invitationInviterJSON struct {
	Name string `json:"name"`
}

type invitationInviteeJSON struct {
	Email string `json:"email"`
}

func invitationOut(i tenant.OrganizationInvitation) invitationJSON {
	return invitationJSON{
		ID:             i.ID,
		OrganizationID: i.OrganizationID,
		Inviter:        invitationInviterJSON{Name: i.InviterName},
		Invitee:        invitationInviteeJSON{Email: i.InviteeEmail},
		InvitationURL:  i.URL,
		CreatedAt:      isoTime(i.CreatedAt),
		ExpiresAt:      isoTime(i.ExpiresAt),
		ClientID:       i.ClientID,
		ConnectionID:   i.ConnectionID,
		AppMetadata:    i.AppMetadata,
		UserMetadata:   i.UserMetadata,
		Roles:          i.Roles,
		TicketID:       i.TicketID,
	}
}

// decodeInvitationCreate decodes POST /organizations/{id}/invitations.
func decodeInvitationCreate(body []byte) (tenant.InvitationInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.InvitationInput{}, err
	}
	if err := o.allow("inviter", "invitee", "client_id", "connection_id", "app_metadata", "user_metadata",
		"roles", "ttl_sec", "send_invitation_email"); err != nil {
		return tenant.InvitationInput{}, err
	}
	var in tenant.InvitationInput
	if in.InviterName, err = requiredNestedString(o, "inviter", "name"); err != nil {
		return in, err
	}
	if in.InviteeEmail, err = requiredNestedString(o, "invitee", "email"); err != nil {
		return in, err
	}
	if in.ClientID, err = o.requiredString("client_id"); err != nil {
		return in, err
	}
	if in.ConnectionID, err = o.stringField("connection_id"); err != nil {
		return in, err
	}
	if in.AppMetadata, err = rawObjectField(o, "app_metadata"); err != nil {
		return in, err
	}
	if in.UserMetadata, err = rawObjectField(o, "user_metadata"); err != nil {
		return in, err
	}
	if in.Roles, err = o.stringsField("roles"); err != nil {
		return in, err
	}
	if in.TTLSec, err = o.intField("ttl_sec"); err != nil {
		return in, err
	}
	in.SendInvitationEmail, err = o.boolField("send_invitation_email")
	return in, err
}

// requiredNestedString reads the required object key, which must hold the required string field and
// nothing else ({"inviter": {"name": …}}).
func requiredNestedString(o object, key, field string) (string, error) {
	sub, err := o.objectField(key)
	if err != nil {
		return "", err
	}
	if sub == nil {
		return "", o.missing(key)
	}
	if err := sub.allow(field); err != nil {
		return "", err
	}
	return sub.requiredString(field)
}

// rawObjectField reads an object of any JSON values, such as a person's metadata; nil when absent.
func rawObjectField(o object, key string) (map[string]json.RawMessage, error) {
	sub, err := o.objectField(key)
	if sub == nil || err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(sub.fields))
	for k, v := range sub.fields {
		b, err := json.Marshal(v) // a decoded value marshals back: numbers stayed json.Number
		if err != nil {
			return nil, payloadError(sub.prop(k), "Invalid value")
		}
		out[k] = b
	}
	return out, nil
}

func (h *Handler) createInvitation(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeInvitationCreate)
	if err != nil {
		return err
	}
	inv, err := h.tenant.CreateInvitation(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusCreated, inv, err, invitationOut)
}

// listInvitations serves GET /organizations/{id}/invitations (routed by organizationSubresource):
// offset pages up to tenant.MaxPagedRecords, sorted by created_at (newest first unless
// sort=created_at:1), fields and include_fields. The answer is {"invitations", "start", "limit"}, with
// limit the number of items returned and no total, as on Auth0's live service; include_totals=false
// asks for a bare array.
func (h *Handler) listInvitations(w http.ResponseWriter, r *http.Request) error {
	q, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	oldestFirst := false
	switch order := q.Get("sort"); order {
	case "", "created_at:-1":
	case "created_at:1":
		oldestFirst = true
	default:
		return queryError("sort", fmt.Sprintf("No enum match for: %q (allowed: created_at:1, created_at:-1)", order))
	}
	p.WantTotal = false // the answer has no total: no need to count
	l, err := h.tenant.Invitations(r.Context(), r.PathValue("id"), oldestFirst, p)
	if err != nil {
		return err
	}
	items := mapSlice(l.Items, func(i tenant.OrganizationInvitation) any { return sel.apply(invitationOut(i)) })
	if q.Get("include_totals") == "false" {
		writeJSON(w, http.StatusOK, items)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": items, "start": p.Offset, "limit": len(items)})
	return nil
}

func (h *Handler) getInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.tenant.Invitation(r.Context(), r.PathValue("id"), r.PathValue("invitation_id"))
	return reply(w, http.StatusOK, inv, err, invitationOut)
}

func (h *Handler) deleteInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteInvitation(r.Context(), r.PathValue("id"), r.PathValue("invitation_id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
