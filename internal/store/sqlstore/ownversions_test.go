package sqlstore

import (
	"errors"
	"testing"
	"time"
)

// commit records v as a successful commit.
func commit(o *ownVersions, v int64) { o.Commit(v, func() error { return nil }) }

func TestOwnVersions(t *testing.T) {
	var o ownVersions
	if !o.All(5, 5) {
		t.Error("an empty range is not all own")
	}
	if o.All(0, 1) {
		t.Error("a version never added is own")
	}
	commit(&o, 2)
	commit(&o, 3)
	commit(&o, 5)
	if o.All(1, 5) {
		t.Error("(1, 5] is all own though 4 was never added")
	}
	// All forgot everything up to 5: asking again cannot tell.
	if o.All(1, 3) {
		t.Error("versions asked about once are still remembered")
	}
	commit(&o, 6)
	commit(&o, 7)
	if !o.All(5, 7) {
		t.Error("(5, 7] is not all own though 6 and 7 were added")
	}
}

func TestOwnVersionsIsBounded(t *testing.T) {
	var o ownVersions
	for v := int64(1); v <= ownVersionsKept+1; v++ {
		commit(&o, v)
	}
	if len(o.versions) > ownVersionsKept {
		t.Fatalf("remembers %d versions, at most %d wanted", len(o.versions), ownVersionsKept)
	}
	if o.All(0, ownVersionsKept+1) {
		t.Error("versions forgotten to bound the memory are reported as own")
	}
}

func TestOwnVersionsCommit(t *testing.T) {
	var o ownVersions
	if err := o.Commit(1, func() error { return errors.New("disk I/O error") }); err == nil {
		t.Fatal("a failed commit's error was lost")
	}
	if o.All(0, 1) {
		t.Error("a version whose commit failed is own")
	}
	// All, asked while the commit runs, waits for it and then counts the version as own.
	asked := make(chan bool, 1)
	if err := o.Commit(2, func() error {
		go func() { asked <- o.All(1, 2) }()
		time.Sleep(20 * time.Millisecond) // time for All to answer too early, if it could
		select {
		case own := <-asked:
			t.Fatalf("All answered %v while the commit was in progress", own)
		default:
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !<-asked {
		t.Error("the version committed while All waited is not own")
	}
}
