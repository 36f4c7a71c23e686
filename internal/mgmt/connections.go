package mgmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/orgauth/orgauth/internal/tenant"
)

// connectionsPerPage is the default per_page of GET /connections (Auth0's: 100, not 50).
const connectionsPerPage = 100

// connectionJSON is a connection as Auth0 shows it. EnabledClients is set on a single connection, left
// out of list items.
type connectionJSON struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	DisplayName        string            `json:"display_name,omitempty"`
	Strategy           string            `json:"strategy"`
	Options            json.RawMessage   `json:"options"`
	EnabledClients     *[]string         `json:"enabled_clients,omitempty"`
	IsDomainConnection bool              `json:"is_domain_connection"`
	Realms             []string          `json:"realms"`
	ShowAsButton       bool              `json:"show_as_button"`
	Metadata           map[string]string `json:"metadata,omitempty"`
}

func connectionOut(c tenant.Connection) connectionJSON {
	options := c.Options
	if len(options) == 0 {
		options = json.RawMessage(`{}`)
	}
	return connectionJSON{
		ID: c.ID, Name: c.Name, DisplayName: c.DisplayName, Strategy: c.Strategy, Options: options,
		IsDomainConnection: c.IsDomainConnection, Realms: nonNil(c.Realms), ShowAsButton: c.ShowAsButton,
		Metadata: c.Metadata,
	}
}

func connectionDetailsOut(c tenant.ConnectionDetails) connectionJSON {
	out := connectionOut(c.Connection)
	clients := nonNil(c.EnabledClients)
	out.EnabledClients = &clients
	return out
}

// connectionPatchFields are the properties of PATCH; create adds name and strategy.
var connectionPatchFields = []string{"display_name", "options", "enabled_clients", "show_as_button", "realms", "metadata",
	"is_domain_connection"}

func decodeConnectionCreate(body []byte) (tenant.ConnectionInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ConnectionInput{}, err
	}
	if err := o.allow(append([]string{"name", "strategy"}, connectionPatchFields...)...); err != nil {
		return tenant.ConnectionInput{}, err
	}
	name, err := o.requiredString("name")
	if err != nil {
		return tenant.ConnectionInput{}, err
	}
	strategy, err := o.requiredString("strategy")
	if err != nil {
		return tenant.ConnectionInput{}, err
	}
	p, err := readConnectionFields(o)
	if err != nil {
		return tenant.ConnectionInput{}, err
	}
	return tenant.ConnectionInput{
		Name: name, Strategy: strategy, Options: p.Options, DisplayName: p.DisplayName, EnabledClients: p.EnabledClients,
		ShowAsButton: p.ShowAsButton, Realms: p.Realms, Metadata: p.Metadata, IsDomainConnection: p.IsDomainConnection,
	}, nil
}

// decodeConnectionPatch refuses name and strategy with the other unknown properties: they are immutable.
func decodeConnectionPatch(body []byte) (tenant.ConnectionPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ConnectionPatch{}, err
	}
	if err := o.allow(connectionPatchFields...); err != nil {
		return tenant.ConnectionPatch{}, err
	}
	return readConnectionFields(o)
}

func readConnectionFields(o object) (tenant.ConnectionPatch, error) {
	var p tenant.ConnectionPatch
	var err error
	if p.DisplayName, err = o.stringField("display_name"); err != nil {
		return p, err
	}
	if opts, err := o.objectField("options"); err != nil {
		return p, err
	} else if opts != nil {
		// The strategy's schema is the tenant's (the strategy of a PATCH is known once the connection is):
		// the options go there whole.
		if p.Options, err = json.Marshal(opts.fields); err != nil {
			return p, errInvalidJSON
		}
	}
	if p.EnabledClients, err = o.stringsField("enabled_clients"); err != nil {
		return p, err
	}
	if p.ShowAsButton, err = o.boolField("show_as_button"); err != nil {
		return p, err
	}
	if p.Realms, err = o.stringsField("realms"); err != nil {
		return p, err
	}
	if o.null("metadata") {
		p.Metadata = map[string]string{}
	} else if p.Metadata, err = o.stringMapField("metadata"); err != nil {
		return p, err
	}
	if p.IsDomainConnection, err = o.boolField("is_domain_connection"); err != nil {
		return p, err
	}
	return p, nil
}

// decodeConnectionClientsPatch reads the body of PATCH /connections/{id}/clients: an array of
// {client_id, status}.
func decodeConnectionClientsPatch(body []byte) ([]tenant.ConnectionClientChange, error) {
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return nil, payloadError("", "Expected type array but found type null")
	}
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, errInvalidJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errInvalidJSON
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, typeError("", "array", v)
	}
	if len(arr) > tenant.MaxConnectionClientChanges {
		return nil, payloadError("", fmt.Sprintf("Array is too long (%d), maximum %d", len(arr), tenant.MaxConnectionClientChanges))
	}
	out := make([]tenant.ConnectionClientChange, 0, len(arr))
	for i, el := range arr {
		path := fmt.Sprintf("[%d]", i)
		m, ok := el.(map[string]any)
		if !ok {
			return nil, typeError(path, "object", el)
		}
		item := object{path: path, fields: m}
		if err := item.allow("client_id", "status"); err != nil {
			return nil, err
		}
		id, err := item.requiredString("client_id")
		if err != nil {
			return nil, err
		}
		status, err := item.boolField("status")
		if err != nil {
			return nil, err
		}
		if status == nil {
			return nil, item.missing("status")
		}
		out = append(out, tenant.ConnectionClientChange{ClientID: id, Enabled: *status})
	}
	return out, nil
}

func (h *Handler) createConnection(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeConnectionCreate)
	if err != nil {
		return err
	}
	c, err := h.tenant.CreateConnection(r.Context(), in)
	return reply(w, http.StatusCreated, c, err, connectionDetailsOut)
}

func (h *Handler) listConnections(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	p, err := parsePageWith(q, checkpointPaging, connectionsPerPage)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	f := tenant.ConnectionFilter{Name: q.Get("name"), Strategies: q["strategy"]}
	for _, st := range f.Strategies {
		if !slices.Contains(tenant.Strategies, st) {
			return queryError("strategy", fmt.Sprintf("No enum match for: %q", st))
		}
	}
	l, err := h.tenant.Connections(r.Context(), f, p)
	return replyList(w, p, "connections", l, err, selectFields(sel, connectionOut))
}

func (h *Handler) getConnection(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	c, err := h.tenant.Connection(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, c, err, selectFields(sel, connectionDetailsOut))
}

func (h *Handler) updateConnection(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeConnectionPatch)
	if err != nil {
		return err
	}
	c, err := h.tenant.UpdateConnection(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, c, err, connectionDetailsOut)
}

// deleteConnection answers 202 with the time of the deletion, which is done at once, or 204 for an
// unknown connection (Auth0's two answers).
func (h *Handler) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	deleted, err := h.tenant.DeleteConnection(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !deleted {
		writeNoContent(w)
		return nil
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"deleted_at": isoTime(time.Now())})
	return nil
}

type connectionClientJSON struct {
	ClientID string `json:"client_id"`
}

// listConnectionClients pages by checkpoint only, as Auth0: from and take.
func (h *Handler) listConnectionClients(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	take, err := intParam(q, "take", defaultPerPage, 1, maxPerPage)
	if err != nil {
		return err
	}
	p := tenant.Page{Checkpoint: true, From: q.Get("from"), Limit: take}
	l, err := h.tenant.ConnectionClients(r.Context(), r.PathValue("id"), p)
	return replyList(w, p, "clients", l, err, func(id string) connectionClientJSON { return connectionClientJSON{ClientID: id} })
}

func (h *Handler) updateConnectionClients(w http.ResponseWriter, r *http.Request) error {
	changes, err := decodeRequest(w, r, decodeConnectionClientsPatch)
	if err != nil {
		return err
	}
	if err := h.tenant.UpdateConnectionClients(r.Context(), r.PathValue("id"), changes); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
