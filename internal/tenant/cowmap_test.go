package tenant

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// A cowMap behaves as a plain map through any sequence of edits, and every earlier version stays as it was.
func TestCowMapMatchesAMapAndKeepsEveryVersion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var m cowMap[int]
	model := map[string]int{}
	type version struct {
		m     cowMap[int]
		model map[string]int
	}
	var versions []version
	for step := range 300 {
		e := m.edit()
		for range rng.IntN(50) {
			k := fmt.Sprint(rng.IntN(500))
			if rng.IntN(3) == 0 {
				e.delete(k)
				delete(model, k)
			} else {
				e.set(k, step)
				model[k] = step
			}
			want, in := model[k]
			if v, ok := e.get(k); v != want || ok != in {
				t.Fatalf("step %d: the edit reads %s = %d, %v", step, k, v, ok)
			}
		}
		m = e.done()
		versions = append(versions, version{m, maps.Clone(model)})
	}
	for i, v := range versions {
		if v.m.len() != len(v.model) {
			t.Fatalf("version %d has %d entries, want %d", i, v.m.len(), len(v.model))
		}
		got := maps.Collect(v.m.all())
		if !maps.Equal(got, v.model) {
			t.Fatalf("version %d changed after later edits", i)
		}
		for k, want := range v.model {
			if x, ok := v.m.get(k); !ok || x != want {
				t.Fatalf("version %d: get(%s) = %d, %v; want %d", i, k, x, ok, want)
			}
		}
	}
}

func TestCowMapZeroValueIsEmpty(t *testing.T) {
	var m cowMap[string]
	if _, ok := m.get("x"); ok || m.len() != 0 {
		t.Fatal("the zero map is not empty")
	}
	for range m.all() {
		t.Fatal("the zero map yields entries")
	}
	e := m.edit()
	e.delete("x")
	if m2 := e.done(); m2.len() != 0 {
		t.Fatal("deleting from an empty map made an entry")
	}
}
