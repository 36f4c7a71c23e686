// Package password hashes and checks the passwords of database-connection users: argon2id in PHC string
// form, with a bound on how many hashes run at once so that logins cannot starve the token endpoint, and
// the connection's password policy.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultParams are OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
var DefaultParams = Params{MemoryKiB: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// A stored hash's parameters are bounded, so that a hash imported or written by hand cannot make one
	// check cost more than this (1 GiB, 16 passes, 16 lanes) or hide a key shorter than ours.
	maxMemoryKiB = 1 << 20
	maxTime      = 16
	maxThreads   = 16
	minKeyLen    = 16
	maxKeyLen    = 64
	maxSaltLen   = 64
)

// MaxBytes is the longest password accepted, in bytes.
const MaxBytes = 512

// Errors of Hasher.
var (
	// ErrBusy: no hashing slot came free within the wait; the caller answers 429.
	ErrBusy = errors.New("password hashing is busy")
	// ErrMalformedHash: a stored hash is not an argon2id PHC string within the bounds above.
	ErrMalformedHash = errors.New("malformed password hash")
)

// Hasher hashes and verifies passwords, at most Slots at once; a caller that waits longer than Wait for a
// slot gets ErrBusy.
type Hasher struct {
	params Params
	wait   time.Duration
	slots  chan struct{}
	// dummy is a hash of a random password with params, verified when the user is unknown so that the
	// answer takes as long as for a known one.
	dummy string
}

// Options configure a Hasher; zero values take the defaults.
type Options struct {
	Params Params        // DefaultParams
	Slots  int           // runtime.GOMAXPROCS(0)
	Wait   time.Duration // 2 s
}

// NewHasher returns a Hasher with opts.
func NewHasher(opts Options) (*Hasher, error) {
	if opts.Params == (Params{}) {
		opts.Params = DefaultParams
	}
	p := opts.Params
	if p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB || p.Time < 1 || p.Time > maxTime ||
		p.Threads < 1 || p.Threads > maxThreads {
		return nil, fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d: out of bounds", p.MemoryKiB, p.Time, p.Threads)
	}
	if opts.Slots <= 0 {
		opts.Slots = runtime.GOMAXPROCS(0)
	}
	if opts.Wait <= 0 {
		opts.Wait = 2 * time.Second
	}
	h := &Hasher{params: p, wait: opts.Wait, slots: make(chan struct{}, opts.Slots)}
	h.dummy = encode(p, randomBytes(saltLen), argon2.IDKey(randomBytes(32), randomBytes(saltLen), p.Time, p.MemoryKiB, p.Threads, keyLen))
	return h, nil
}

// Hash returns the PHC string of password under the Hasher's parameters and a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := randomBytes(saltLen)
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, keyLen)
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches hash, and whether hash was made with weaker parameters than
// the Hasher's, so that the caller re-hashes it after a successful login.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (ok, rehash bool, err error) {
	p, salt, key, err := decode(hash)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p.weakerThan(h.params) || len(key) < keyLen, nil
}

// VerifyUnknown spends what Verify spends on a known user's hash and reports no match: for a login with
// an email that has no user, so that the answer's timing does not tell.
func (h *Hasher) VerifyUnknown(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return fmt.Errorf("wait for a password hashing slot: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

func (p Params) weakerThan(q Params) bool {
	return p.MemoryKiB < q.MemoryKiB || p.Time < q.Time
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

var b64 = base64.RawStdEncoding

// encode writes $argon2id$v=19$m=…,t=…,p=…$salt$key.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string that encode could have written, with parameters within the bounds.
func decode(hash string) (Params, []byte, []byte, error) {
	fail := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return fail("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version")
	}
	var p Params
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return fail("parameters are not m=…,t=…,p=…")
	}
	for i, kv := range params {
		name, value, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil || name != "mtp"[i:i+1] {
			return fail("parameters are not m=…,t=…,p=…")
		}
		switch name {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return fail("too many lanes")
			}
			p.Threads = uint8(n)
		}
	}
	if p.Threads < 1 || p.Time < 1 || p.Time > maxTime || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB {
		return fail("parameters out of bounds")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > maxSaltLen {
		return fail("bad salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return fail("bad key")
	}
	return p, salt, key, nil
}
