package accesstoken

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

const (
	// refetchInterval is the least time between two fetches of the keys, whatever the tokens ask for.
	refetchInterval = 10 * time.Second
	// maxKeySetAge is how long a fetched key set is trusted before the next token refreshes it, so that a
	// key the issuer withdraws stops being accepted.
	maxKeySetAge = 10 * time.Minute
	// fetchTimeout bounds one fetch whatever the HTTP client allows.
	fetchTimeout = 10 * time.Second
	// maxDocumentSize bounds the discovery document and the key set.
	maxDocumentSize = 1 << 20
)

// keySet is the issuer's published keys, fetched through discovery and cached. Fetches are rate-limited
// and coalesced: at most one runs at a time, at most one starts per refetchInterval.
type keySet struct {
	issuer       string
	discoveryURL string
	client       *http.Client
	now          func() time.Time
	log          *slog.Logger

	mu        sync.Mutex
	jwksURI   string // from the discovery document, once read
	keys      map[string]publicKey
	fetchedAt time.Time     // of the last successful fetch
	triedAt   time.Time     // when the last fetch started
	lastErr   error         // of the last fetch; nil after a success
	inflight  chan struct{} // closed when the running fetch ends; nil when none runs
}

// lookup returns the key kid names. An unknown kid, or a set older than maxKeySetAge, triggers a fetch
// unless one started less than refetchInterval ago. It returns a refusal when the issuer does not publish
// kid, and another error when the keys cannot be fetched.
func (s *keySet) lookup(ctx context.Context, kid string) (publicKey, error) {
	s.mu.Lock()
	k, known := s.keys[kid]
	if known && s.now().Sub(s.fetchedAt) < maxKeySetAge {
		s.mu.Unlock()
		return k, nil
	}
	done := s.startFetchLocked(ctx)
	s.mu.Unlock()

	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return publicKey{}, fmt.Errorf("accesstoken: wait for signing keys: %w", ctx.Err())
		}
	}
	s.mu.Lock()
	k, known = s.keys[kid]
	err := s.lastErr
	s.mu.Unlock()
	switch {
	case known: // possibly stale, when the refresh failed: better than refusing every token meanwhile
		return k, nil
	case err != nil:
		return publicKey{}, err
	default:
		return publicKey{}, refuse(ErrUnknownKey, fmt.Errorf("kid %q", clip(kid, maxQuotedValue)))
	}
}

// startFetchLocked returns the channel of the running fetch, of a new one when the rate limit allows it,
// or nil. s.mu is held.
func (s *keySet) startFetchLocked(ctx context.Context) chan struct{} {
	if s.inflight != nil {
		return s.inflight
	}
	now := s.now()
	if !s.triedAt.IsZero() && now.Sub(s.triedAt) < refetchInterval {
		return nil
	}
	s.triedAt = now
	s.inflight = make(chan struct{})
	// The fetch serves every waiting request, so one caller going away must not cancel it.
	go s.fetch(context.WithoutCancel(ctx), s.inflight)
	return s.inflight
}

func (s *keySet) fetch(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	s.mu.Lock()
	jwksURI := s.jwksURI
	s.mu.Unlock()

	var err error
	if jwksURI == "" {
		jwksURI, err = s.discover(ctx)
	}
	var keys map[string]publicKey
	if err == nil {
		keys, err = s.fetchKeys(ctx, jwksURI)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
	if err == nil {
		s.jwksURI, s.keys, s.fetchedAt = jwksURI, keys, s.now()
		s.log.DebugContext(ctx, "accesstoken: fetched signing keys", "jwks_uri", jwksURI, "keys", len(keys))
	} else {
		s.log.WarnContext(ctx, "accesstoken: cannot fetch signing keys", "issuer", s.issuer, "error", err)
	}
	s.inflight = nil
	close(done)
}

// discover reads the issuer's discovery document and returns its jwks_uri.
func (s *keySet) discover(ctx context.Context) (string, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, s.discoveryURL, &doc); err != nil {
		return "", err
	}
	// OpenID Connect Discovery §4.3: the document must name the very issuer it was fetched for.
	if doc.Issuer != s.issuer {
		return "", fmt.Errorf("accesstoken: %s names issuer %q, not %q", s.discoveryURL, doc.Issuer, s.issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("accesstoken: %s has no jwks_uri", s.discoveryURL)
	}
	return doc.JWKSURI, nil
}

func (s *keySet) fetchKeys(ctx context.Context, jwksURI string) (map[string]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := s.getJSON(ctx, jwksURI, &set); err != nil {
		return nil, err
	}
	keys := parseKeys(set.Keys)
	if len(keys) == 0 {
		return nil, fmt.Errorf("accesstoken: %s has no usable signing key", jwksURI)
	}
	return keys, nil
}

func (s *keySet) getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("accesstoken: fetch %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("accesstoken: fetch %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("accesstoken: fetch %s: status %s", url, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocumentSize+1))
	if err != nil {
		return fmt.Errorf("accesstoken: fetch %s: %w", url, err)
	}
	if len(body) > maxDocumentSize {
		return fmt.Errorf("accesstoken: fetch %s: larger than %d bytes", url, maxDocumentSize)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("accesstoken: decode %s: %w", url, err)
	}
	return nil
}
