package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// verifyAll verifies n tokens concurrently and returns their errors.
func verifyAll(v *Verifier, tokens []string) []error {
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Add(1) // not wg.Go: the module supports Go 1.24
		go func() {
			defer wg.Done()
			_, errs[i] = v.Verify(context.Background(), tok)
		}()
	}
	wg.Wait()
	return errs
}

func TestKeysAreFetchedOnceAndCached(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	for range 20 {
		for _, key := range []signingKey{rs256(), ps256(), es256()} {
			if _, err := v.Verify(context.Background(), sign(t, key, iss.claims(clk.Now(), nil))); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Second)
	}
	if d, j := iss.discoveryHits.Load(), iss.jwksHits.Load(); d != 1 || j != 1 {
		t.Errorf("discovery fetched %d times, JWKS %d times; want 1 and 1", d, j)
	}
}

func TestForgedKidFloodIsRateLimited(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatal(err)
	}
	forged := func(round int) []string {
		tokens := make([]string, 200)
		for i := range tokens {
			tokens[i] = sign(t, signingKey{fmt.Sprintf("forged-%d-%d", round, i), rs256().alg, rs256().key}, iss.claims(clk.Now(), nil))
		}
		return tokens
	}

	// Within 10 s of the first fetch, no forged kid causes another.
	for _, err := range verifyAll(v, forged(1)) {
		if reason(err) != reasonUnknownKey {
			t.Fatalf("err = %v, want an unknown-key refusal", err)
		}
	}
	if n := iss.jwksHits.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times within the interval, want 1", n)
	}
	// 10 s later, a flood makes exactly one more fetch.
	clk.Advance(refetchInterval)
	for _, err := range verifyAll(v, forged(2)) {
		if reason(err) != reasonUnknownKey {
			t.Fatalf("err = %v, want an unknown-key refusal", err)
		}
	}
	if n := iss.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times after the interval, want 2", n)
	}
	if n := iss.discoveryHits.Load(); n != 1 {
		t.Errorf("discovery fetched %d times, want 1", n)
	}
}

func TestConcurrentFetchesCoalesce(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	h := iss.hold()
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = sign(t, es256(), iss.claims(clk.Now(), nil))
	}
	var errs []error
	done := make(chan struct{})
	go func() { errs = verifyAll(v, tokens); close(done) }()
	<-h.arrived
	h.Release()
	<-done
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := iss.jwksHits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times by 50 concurrent verifications, want 1", n)
	}
}

func TestRotatedKeyIsFetched(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t, rs256())
	v := newVerifier(t, iss, clk)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatal(err)
	}
	next := signingKey{"rs-2", rs256().alg, testKeys()["rsa-b"]}
	iss.publish(rs256(), next)
	clk.Advance(refetchInterval)
	if _, err := v.Verify(context.Background(), sign(t, next, iss.claims(clk.Now(), nil))); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatalf("token of the old key: %v", err)
	}
	if n := iss.jwksHits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

func TestWithdrawnKeyIsRefusedOnceTheSetIsStale(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t, rs256(), es256())
	v := newVerifier(t, iss, clk)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatal(err)
	}
	iss.publish(es256())
	clk.Advance(maxKeySetAge - time.Second)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatalf("before the set is stale: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); reason(err) != reasonUnknownKey {
		t.Fatalf("withdrawn key: err = %v, want an unknown-key refusal", err)
	}
	if n := iss.jwksHits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

func TestUnreachableIssuer(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	verify := func(key signingKey) error {
		_, err := v.Verify(context.Background(), sign(t, key, iss.claims(clk.Now(), nil)))
		return err
	}
	if err := verify(rs256()); err != nil {
		t.Fatal(err)
	}
	iss.setStatus(500)
	clk.Advance(maxKeySetAge)

	t.Run("known keys stay usable while a refresh fails", func(t *testing.T) {
		if err := verify(rs256()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an unknown kid gets the fetch error, not a refusal", func(t *testing.T) {
		err := verify(signingKey{"rs-9", rs256().alg, rs256().key})
		if err == nil || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("failed fetches are rate-limited too", func(t *testing.T) {
		if n := iss.jwksHits.Load(); n != 2 {
			t.Fatalf("JWKS fetched %d times, want 2", n)
		}
	})
	t.Run("the issuer back, the next fetch succeeds", func(t *testing.T) {
		iss.setStatus(200)
		clk.Advance(refetchInterval)
		if err := verify(es256()); err != nil {
			t.Fatal(err)
		}
		if n := iss.jwksHits.Load(); n != 3 {
			t.Fatalf("JWKS fetched %d times, want 3", n)
		}
	})
}

func TestCallerLeavingDoesNotAbortTheFetch(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	h := iss.hold()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := v.Verify(ctx, sign(t, rs256(), iss.claims(clk.Now(), nil)))
		errc <- err
	}()
	<-h.arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	h.Release()
	// The fetch the first caller started completes for the next one, without another request.
	if _, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil))); err != nil {
		t.Fatal(err)
	}
	if n := iss.jwksHits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}
