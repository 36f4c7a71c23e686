package cli

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Log lines are batched: at thousands of tokens per second, one write(2) per access-log line is a
// measurable share of the server's CPU (docs/performance.md). A line reaches the underlying writer
// within logFlushInterval, at once when the buffer fills, and when the server stops.
const (
	logFlushInterval = 100 * time.Millisecond
	logBufferSize    = 64 << 10
)

// bufferedWriter is an io.Writer, safe for concurrent use, that batches writes to w.
type bufferedWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newBufferedWriter(w io.Writer, size int, every time.Duration) *bufferedWriter {
	b := &bufferedWriter{w: w, buf: bufio.NewWriterSize(w, size), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(every)
	return b
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if err != nil {
		b.buf.Reset(b.w) // a failed write must not stop every later line
	}
	return n, err
}

// Flush writes out whatever is buffered.
func (b *bufferedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Buffered() == 0 {
		return nil
	}
	err := b.buf.Flush()
	if err != nil {
		b.buf.Reset(b.w)
	}
	return err
}

func (b *bufferedWriter) flushEvery(every time.Duration) {
	defer close(b.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
			b.Flush()
		}
	}
}

// Close stops the periodic flush and writes out what is left; later writes are buffered until the
// next Flush.
func (b *bufferedWriter) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}

// flushingWriter writes through b and flushes at once: what the server prints for people (the admin
// credentials at bootstrap) must not wait for the next flush, nor overtake log lines written before it.
type flushingWriter struct{ b *bufferedWriter }

func (f flushingWriter) Write(p []byte) (int, error) {
	n, err := f.b.Write(p)
	if err != nil {
		return n, err
	}
	return n, f.b.Flush()
}
