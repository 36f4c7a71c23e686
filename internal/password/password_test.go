package password

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fastParams keep the tests quick; the PHC format and the checks are the same as with DefaultParams.
var fastParams = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func newTestHasher(t *testing.T, opts Options) *Hasher {
	t.Helper()
	if opts.Params == (Params{}) {
		opts.Params = fastParams
	}
	h, err := NewHasher(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, Options{})
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not the PHC string of the parameters", hash)
	}
	if again, _ := h.Hash(ctx, "correct horse"); again == hash {
		t.Fatal("two hashes of one password are equal: the salt is not fresh")
	}
	if ok, rehash, err := h.Verify(ctx, hash, "correct horse"); !ok || rehash || err != nil {
		t.Fatalf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	for _, wrong := range []string{"correct horsE", "", "correct horse "} {
		if ok, _, err := h.Verify(ctx, hash, wrong); ok || err != nil {
			t.Fatalf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
}

func TestDefaultParamsHash(t *testing.T) {
	h, err := NewHasher(Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default hash %q: want OWASP's minimum parameters", hash)
	}
}

func TestVerifyAsksForRehashOfWeakerHash(t *testing.T) {
	ctx := context.Background()
	weak := newTestHasher(t, Options{Params: Params{MemoryKiB: 32, Time: 1, Threads: 1}})
	hash, _ := weak.Hash(ctx, "pw")
	strong := newTestHasher(t, Options{Params: Params{MemoryKiB: 64, Time: 2, Threads: 1}})
	if ok, rehash, err := strong.Verify(ctx, hash, "pw"); !ok || !rehash || err != nil {
		t.Fatalf("Verify(weaker hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if ok, rehash, _ := strong.Verify(ctx, hash, "wrong"); ok || rehash {
		t.Fatal("a wrong password must not ask for a re-hash")
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, Options{})
	good, _ := h.Hash(ctx, "pw")
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, hash := range map[string]string{
		"empty":                   "",
		"bcrypt":                  "$2a$10$abcdefghijklmnopqrstuuFq4Pt5rWdbb1Vv2YgN1eXg8vJ3Q2b7G",
		"argon2i":                 with(1, "argon2i"),
		"old version":             with(2, "v=16"),
		"parameters missing":      with(3, "m=64,t=1"),
		"parameters extra":        with(3, "m=64,t=1,p=1,x=2"),
		"parameters out of order": with(3, "t=1,m=64,p=1"),
		"memory huge":             with(3, "m=4294967295,t=1,p=1"),
		"passes huge":             with(3, "m=64,t=1000000,p=1"),
		"no lanes":                with(3, "m=64,t=1,p=0"),
		"lanes huge":              with(3, "m=64,t=1,p=255"),
		"salt not base64":         with(4, "!!!"),
		"key too short":           with(5, "AAAA"),
		"extra part":              good + "$x",
	} {
		if ok, _, err := h.Verify(ctx, hash, "pw"); ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: Verify = %v, %v; want ErrMalformedHash", name, ok, err)
		}
	}
}

func TestNewHasherRefusesParamsOutOfBounds(t *testing.T) {
	for _, p := range []Params{{MemoryKiB: 4, Time: 1, Threads: 1}, {MemoryKiB: 64, Time: 0, Threads: 1},
		{MemoryKiB: 64, Time: 1, Threads: 0}, {MemoryKiB: maxMemoryKiB + 1, Time: 1, Threads: 1}} {
		if _, err := NewHasher(Options{Params: p}); err == nil {
			t.Errorf("NewHasher(%+v) accepted", p)
		}
	}
}

func TestVerifyUnknownSpendsAHash(t *testing.T) {
	h := newTestHasher(t, Options{Slots: 1, Wait: 10 * time.Millisecond})
	// With the only slot taken, VerifyUnknown must wait for it like any check: it hashes.
	h.slots <- struct{}{}
	if err := h.VerifyUnknown(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyUnknown with no slot free = %v, want ErrBusy", err)
	}
	h.release()
	if err := h.VerifyUnknown(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
}

func TestSlotsBoundConcurrentHashes(t *testing.T) {
	const slots = 2
	h := newTestHasher(t, Options{Slots: slots, Wait: time.Minute, Params: Params{MemoryKiB: 1024, Time: 3, Threads: 1}})
	var most atomic.Int32
	// Observe from outside: the slots channel's length is the number of hashes in progress.
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				if n := int32(len(h.slots)); n > most.Load() {
					most.Store(n)
				}
				runtime.Gosched()
			}
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), "pw"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(stop)
	if most.Load() > slots {
		t.Fatalf("%d hashes ran at once, want at most %d", most.Load(), slots)
	}
}

func TestBusyAfterWait(t *testing.T) {
	h := newTestHasher(t, Options{Slots: 1, Wait: 20 * time.Millisecond})
	h.slots <- struct{}{} // a hash in progress that does not end
	start := time.Now()
	if _, err := h.Hash(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with no slot free = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("gave up after %v, before the wait of 20ms", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled context = %v, want context.Canceled", err)
	}
}
