package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that counts the writes it received.
type lockedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.buf.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String(), l.writes
}

func TestBufferedWriterBatchesLinesAndFlushesOnClose(t *testing.T) {
	var out lockedBuffer
	w := newBufferedWriter(&out, 1<<10, time.Hour)
	for i := range 10 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if got, _ := out.snapshot(); got != "" {
		t.Fatalf("lines reached the writer before a flush: %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, writes := out.snapshot()
	if want := "line 0\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n"; got != want {
		t.Fatalf("after Close: %q, want %q", got, want)
	}
	if writes != 1 {
		t.Fatalf("%d writes for 10 lines, want 1", writes)
	}
}

func TestBufferedWriterFlushesPeriodically(t *testing.T) {
	var out lockedBuffer
	w := newBufferedWriter(&out, 1<<10, 10*time.Millisecond)
	defer w.Close()
	fmt.Fprintln(w, "hello")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := out.snapshot(); got == "hello\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the line was not flushed by the periodic flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBufferedWriterWritesAtOnceWhenFull(t *testing.T) {
	var out lockedBuffer
	w := newBufferedWriter(&out, 16, time.Hour)
	defer w.Close()
	fmt.Fprint(w, strings.Repeat("x", 10))
	fmt.Fprint(w, strings.Repeat("y", 10)) // does not fit: the buffer goes out first
	if got, _ := out.snapshot(); !strings.HasPrefix(got, strings.Repeat("x", 10)) {
		t.Fatalf("a full buffer was not written out: %q", got)
	}
}

type failingWriter struct{ fail bool }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.fail {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestBufferedWriterRecoversFromAFailedWrite(t *testing.T) {
	fw := &failingWriter{fail: true}
	w := newBufferedWriter(fw, 16, time.Hour)
	defer w.Close()
	fmt.Fprint(w, "lost\n")
	if err := w.Flush(); err == nil {
		t.Fatal("Flush hid the writer's error")
	}
	fw.fail = false
	fmt.Fprint(w, "kept\n")
	if err := w.Flush(); err != nil {
		t.Fatalf("a failed write broke later ones: %v", err)
	}
}

func TestFlushingWriterWritesAtOnceAfterWhatWasBuffered(t *testing.T) {
	var out lockedBuffer
	w := newBufferedWriter(&out, 1<<10, time.Hour)
	defer w.Close()
	fmt.Fprintln(w, "log line")
	fmt.Fprintln(flushingWriter{w}, "client_secret: s3cr3t")
	if got, _ := out.snapshot(); got != "log line\nclient_secret: s3cr3t\n" {
		t.Fatalf("got %q, want the log line then the credentials, at once", got)
	}
}
